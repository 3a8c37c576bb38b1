package mentions

// The default lists. They are English (British and American spellings); a
// client adds its own words, in any language, through extra terms. Each line
// is a pattern (patterns.go). They are generous on purpose: a false alarm costs
// a person a minute, a missed one an automatic "thanks!" to someone grieving.

// Kinds of pattern that are not reported as subjects or cues.
const (
	kindBenign = "benign" // idioms that hide a word: "to die for", "killing it"
	kindPraise = "praise" // for the sentiment only
	kindPerson = "person" // a person named; a cue only in a question
)

// wordClasses are the {class} words patterns may use.
var wordClasses = map[string][]string{
	"family": {
		"mum", "mom", "mam", "mummy", "mommy", "mother", "dad", "daddy", "father", "parent", "parents",
		"son", "sons", "daughter", "daughters", "kid", "kids", "child", "children", "baby", "brother", "brothers",
		"sister", "sisters", "wife", "husband", "partner", "fiance", "fiancé", "fiancee", "fiancée",
		"grandma", "grandmother", "grandpa", "grandfather", "gran", "granny", "nan", "nana", "nanna",
		"grandad", "granddad", "grandparent", "grandparents", "grandson", "granddaughter",
		"aunt", "auntie", "aunty", "uncle", "cousin", "nephew", "niece", "friend", "bestie",
		"boyfriend", "girlfriend", "stepdad", "stepmum", "stepmom", "stepson", "stepdaughter", "twins", "toddler",
	},
	"pet": {"dog", "cat", "pet", "puppy", "kitten", "horse"},
	"people": {
		"mum", "mom", "mam", "mummy", "mommy", "mother", "dad", "daddy", "father", "parent", "parents",
		"son", "sons", "daughter", "daughters", "kid", "kids", "child", "children", "baby", "brother", "brothers",
		"sister", "sisters", "wife", "husband", "partner", "fiance", "fiancé", "fiancee", "fiancée",
		"grandma", "grandmother", "grandpa", "grandfather", "gran", "granny", "nan", "nana", "grandad",
		"aunt", "auntie", "uncle", "cousin", "nephew", "niece", "friend", "friends", "colleague", "neighbour",
		"neighbor", "boss", "teacher", "carer", "boyfriend", "girlfriend", "toddler", "twins",
	},
	// what follows "passed" when someone passed an exam or a shop, not away
	"passobject": {
		"the", "her", "his", "their", "my", "a", "an", "by", "through", "it", "its", "me", "us", "them", "our",
		"your", "this", "that", "all", "with", "away",
	},
	// "I'll" typed without its apostrophe reads "ill"
	"illverb": {
		"be", "have", "get", "take", "bring", "come", "pop", "check", "try", "send", "let", "go", "just",
		"definitely", "probably", "never", "see", "call", "order", "need", "make", "do", "give", "buy", "def",
		"tell", "keep", "stick", "wait", "book", "drop", "grab", "pick", "text", "email", "dm", "message",
	},
	"device": {
		"phone", "battery", "laptop", "charger", "app", "website", "site", "screen", "car", "tablet", "headphones",
		"kettle", "toaster", "blender", "mixer", "oven", "fridge", "machine", "printer", "router", "device",
		"console", "controller", "remote", "checkout", "page", "system", "card", "watch", "tv", "speaker",
	},
	"child": {
		"kid", "kids", "kiddo", "child", "children", "son", "sons", "daughter", "daughters", "baby", "babies",
		"toddler", "toddlers", "infant", "infants", "newborn", "newborns", "teen", "teens", "teenager", "teenagers",
		"minors", "grandson", "granddaughter", "nephew", "niece", "schoolkid", "schoolkids", "twins",
	},
	"harm": {
		"sick", "ill", "unwell", "hurt", "injured", "injury", "choke", "choked", "choking", "swallowed",
		"rash", "vomit", "vomited", "vomiting", "allergic", "hospital", "hospitalised", "hospitalized",
		"missing", "bullied", "burned", "burnt", "scalded", "bleeding", "fever", "poisoned", "unconscious",
		"seizure", "cut", "bruised", "screaming", "terrified", "collapsed", "fainted",
	},
	"my": {"my", "our", "his", "her", "their"},
	"bodypart": {
		"arm", "leg", "wrist", "ankle", "hip", "tooth", "teeth", "nose", "back", "finger", "fingers", "toe", "toes",
		"hand", "hands", "foot", "feet", "neck", "rib", "ribs", "jaw", "collarbone", "elbow", "knee", "shoulder",
		"skull", "head", "face", "eye", "mouth", "lip", "tongue", "arms", "legs",
	},
	"identity": {
		"black", "asian", "gay", "lesbian", "bi", "trans", "queer", "muslim", "jewish", "sikh", "hindu",
		"disabled", "deaf", "blind", "woman", "women", "girl", "female", "pregnant", "old", "elderly", "fat",
		"foreign", "foreigner", "immigrant", "immigrants", "refugee", "skin", "colour", "color", "race",
		"religion", "accent", "hijab", "turban", "wheelchair", "age", "disability", "gender", "sexuality", "autistic",
	},
	"contaminant": {
		"glass", "metal", "plastic", "bone", "hair", "bug", "bugs", "insect", "insects", "fly", "cockroach",
		"cockroaches", "worm", "worms", "maggot", "maggots", "mould", "mold", "rat", "rats", "mouse", "mice",
		"droppings", "screw", "nail", "stone", "blood", "shard",
	},
}

// group is the patterns of one subject or cue.
type group struct {
	kind     string
	level    string
	patterns []string
}

var lexicon = []group{
	{Illness, Sensitive, []string{
		"diagnos*",
		"cancer|chemo|chemotherapy|radiotherapy|tumor|tumour|tumors|tumours|leukemia|leukaemia|lymphoma|melanoma",
		"dementia|alzheimer*|parkinson*|sepsis|pneumonia|meningitis|covid|coronavirus|flu|diabetes|diabetic",
		"epilepsy|epileptic|seizure|seizures|asthma|autism|coeliac|celiac|ptsd|bipolar|schizophreni*|hiv",
		"stroke !of",
		"heart attack", "panic attack|attacks", "mental health", "eating disorder", "kidney failure", "long covid",
		"depression|depressed|anxiety|anorexia|bulimia|dialysis|transplant|surgery|surgeries|migraine*",
		"hospital|hospitals|hospitalised|hospitalized|hospitalisation|hospitalization|icu|hospice|palliative|ambulance",
		"intensive care", "care home", "nursing home", "terminally ill", "ill health", "chronic pain",
		"illness|illnesses|unwell|fainted|collapsed",
		"ill !{illverb}",
		"sick !of",
		"passed out",
		"pregnant|pregnancy|ivf|infertility|infertile",
		"disabled|disability|disabilities",
		"{my} medication|meds|prescription|treatment|condition|therapy|health|chemo|operation|diagnosis",
		"doctor|doctors|gp|nurse|nurses",
	}},
	{Death, Sensitive, []string{
		"passed away",
		"{family}|{pet} passed !{passobject}",
		"{family}|{pet} has|had|just|sadly passed !{passobject}",
		"die|died|dies|dying|death|deaths|dead|deceased|funeral|funerals|bereaved|bereavement",
		"condolence|condolences|grief|grieving|grieve|mourning|mourn|mourns|memorial|obituary",
		"widow|widowed|widower|orphaned|stillborn|stillbirth|miscarriage|miscarried",
		"rest in peace",
		"rip !off",
		"lost {my} {family}|{pet}",
		"loss of {my} {family}|{pet}",
		"lost the baby",
		"no longer with us", "in memory of", "in loving memory", "end of life", "life support", "put to sleep",
		"had to put .. down",
	}},
	{Accident, Sensitive, []string{
		"accident|accidents|crash|crashed|crashes|collision|injured|injury|injuries|injure|hurt|hurts|hurting",
		"fracture*|sprain*|concussion|stitches|bleeding|bled|blood|paramedic*|wound|wounded|bruise*",
		"hit by a|the|an", "run over", "knocked down|over by",
		"broke {my} {bodypart}", "broken {bodypart}", "burned|burnt|scalded|scalding {my} {bodypart}",
		"severe burns", "got burned|burnt", "scalded",
		"slipped|tripped", "fell off|down|over|from", "fall off|down|over|from",
		"emergency room", "a e",
		"cut {my} {bodypart}", "cut|hurt myself on|with|opening",
		"electrocut*|choke|choked|choking|drown|drowned|drowning",
	}},
	{Violence, Sensitive, []string{
		"assault|assaulted|assaulting|attack|attacked|attacker|attacking|abuse|abused|abusive|abusing|abuser",
		"harass*|stalk|stalked|stalker|stalking|threatened|threatening|threats|threat|intimidat*",
		"punched|kicked|slapped|hit|shoved|pushed|grabbed|groped|beat|strangled me|him|her|us|them",
		"spat at|on",
		"stab|stabbed|stabbing|shooting|gunman|gunmen|gun|guns|gunfire|firearm|firearms|weapon|weapons|knifepoint",
		"at gunpoint",
		"rape|raped|rapist|molest*",
		"sexual assault|abuse|harassment|misconduct",
		"domestic violence|abuse",
		"bully|bullied|bullying|bullies",
		"hate crime",
		"murder|murdered|murderer|kill|killed|kills|killing|violence|violent",
		"fight broke out", "got into a fight", "started a fight", "in a fight",
		"trafficking|trafficked|kidnap*|hostage*|terrorist*|terrorism|riot|riots",
		"terror attack", "followed me home",
	}},
	{SelfHarm, Sensitive, []string{
		"suicide|suicidal|suicides|selfharm|overdose*|unalive|kms",
		"kill|killing myself", "end my life", "end it all", "take my own life", "take my life",
		"self harm|harming", "harm|hurt|cut|cutting myself", "want to die", "wanna die", "want to be dead",
		"dont want to live|exist", "dont want to be here", "no reason to live", "better off without me",
		"not worth living", "cant go on", "cant do this anymore", "give up on life", "end myself",
		"no point living", "no point in living",
	}},
	{Discrimination, Sensitive, []string{
		"racism|racist|racists|racial|racially|sexism|sexist|homophobia|homophobic|transphobia|transphobic|biphobic",
		"islamophobia|islamophobic|antisemitism|antisemitic|xenophobia|xenophobic|misogyny|misogynist|misogynistic",
		"bigot|bigots|bigoted|bigotry|discriminat*|prejudice|prejudiced|ableism|ableist|ageism|ageist",
		"anti semitic", "hate speech", "slur|slurs", "n word", "blackface", "cultural appropriation",
		"body shaming", "fat shaming",
		"because im|shes|hes|theyre|were {identity}", "because im|shes|hes|theyre|were a|an {identity}",
		"because i|she|he|they|we am|is|are|was|were {identity}",
		"because i|she|he|they|we am|is|are|was|were a|an {identity}",
		"because of {my} {identity}", "for being {identity}", "for being a|an {identity}",
		"refused service|entry", "refused to serve", "wouldnt serve", "would not serve", "turned me|us away",
		"wheelchair|inaccessible", "not accessible", "no disabled access", "no ramp", "step free",
		"guide|assistance|service dog",
	}},
	{Disaster, Sensitive, []string{
		"earthquake|earthquakes|flood|floods|flooded|flooding|hurricane|hurricanes|tornado|tornadoes",
		"wildfire|wildfires|bushfire|bushfires|tsunami|cyclone|typhoon|landslide|landslides|mudslide|avalanche",
		"volcano|eruption|homeless|evacuate|evacuated|evacuation|evacuees|tragedy|tragedies|tragic|tragically",
		"disaster|disasters|catastrophe|catastrophic|devastated|devastating|devastation|war|wars|warzone|invasion",
		"airstrike*|bombing|bombed|refugee|refugees|famine|pandemic|explosion|explosions|victim|victims",
		"casualties|drought|blizzard",
		"house fire", "burned|burnt down", "lost everything", "lost our|my home|house !keys|key", "state of emergency",
		"mass shooting", "death toll", "storm damage",
	}},
	{Children, Sensitive, []string{
		"{child} .. {harm}",
		"choking hazard", "child safety|protection|abuse|labour|labor", "safeguarding|underage|minors",
		"safe for kids|children|babies|toddlers|infants|pregnant",
		"safe for my son|daughter|baby|kids|toddler",
		"missing child|kid|son|daughter|teen",
	}},
	{Complaint, Sensitive, []string{
		"broken|faulty|defective|ignored|ignoring|rude|delayed|complain|complained|complaint|complaints|complaining",
		"unacceptable|disgraceful|disgrace|stale|misleading|cancelled|canceled",
		"doesnt|didnt|wont work", "does|did not work", "not working", "stopped working",
		"never arrived|came|showed", "never turned up", "didnt|hasnt arrive|arrived", "has|have not arrived", "not arrived",
		"not|never|wasnt delivered", "still waiting", "still no",
		"no reply|response|answer|update", "nobody|noone answers|replies|responds|cares|called|helped|came",
		"no one answers|replies|responds|cares|called|helped|came",
		"wrong order|item|size|colour|color|product|address",
		"missing item|items|parts|part|piece|pieces",
		"arrived|delivered|running|always late", "late again",
		"terrible|awful|poor|bad|worst|horrible|appalling|shocking|dreadful|atrocious|abysmal|lousy service|experience|quality|support|food|product|customer",
		"cold food|pizza|meal", "sick of",
		"{device} died|dead|crashed|crashes|crashing", "{device} is|was|went dead", "keeps crashing",
		"dead battery|screen|pixel|pixels", "died on me", "fed up", "had enough", "never again", "do better",
		"speak to a|the|your manager", "one|1|zero|0 star|stars", "lied to",
		"cancel my|the order|subscription|account", "want to cancel", "not good enough",
	}},
	{Legal, Sensitive, []string{
		"lawyer|lawyers|attorney|attorneys|solicitor|solicitors|sue|sued|suing|sues|lawsuit|lawsuits",
		"court|courts|litigation|litigate|ombudsman|regulator|negligence|negligent|liable|liability",
		"gdpr|hacked|privacy|defamation|defamatory|libel|slander|watchdog|injunction|tribunal",
		"data|details|information|password|passwords leaked", "leaked my|our data|details|information|address|number|email",
		"police|arrest|arrested",
		"legal action|team|advice|threat", "small claims", "trading standards", "consumer rights", "my rights",
		"class action", "cease and desist", "breach of contract",
		"report|reported|reporting you|this to", "data breach|protection", "my data", "personal data|information",
		"see you in court", "false advertising", "better business bureau",
	}},
	{Safety, Sensitive, []string{
		"unsafe|dangerous|danger|hazard|hazardous|hazards|poisoning|poisoned|poison|toxic",
		"food poisoning", "allergic reaction",
		"allergic|allergy|allergies|allergen|allergens|anaphylaxis|anaphylactic|epipen",
		"product|safety recall", "recalled", "caught|catch fire", "fire hazard", "health hazard",
		"overheat|overheated|overheating|exploded|explode|exploding|sparks|sparking",
		"smoke came|coming|pouring", "electric shock", "gas leak", "carbon monoxide",
		"{contaminant} in my|the|our|your",
		"found a|some .. {contaminant}",
		"contaminated|contamination|cockroach|cockroaches|maggot|maggots|rodent|rodents",
		"made me|us|him|her|them sick|ill", "made {my} {family} sick|ill",
		"threw up", "throwing up", "vomit|vomited|vomiting|diarrhoea|diarrhea",
		"stomach ache|pain|pains|bug|cramps", "undercooked", "raw chicken|meat|pork|inside", "out of date",
	}},
	{Money, Sensitive, []string{
		"refund|refunds|refunded|refunding|chargeback|chargebacks|overcharged|overcharge|overcharging",
		"scam|scams|scammed|scammer|scammers|fraud|fraudulent|fraudster*|ripoff|stole|stolen|steal|stealing|theft",
		"compensation|compensate|reimburse|reimbursed|reimbursement|unemployed|redundant|redundancy|debt|debts",
		"money back", "my money", "charged twice", "charged me twice", "double charged", "charged me",
		"hidden fee|fees|charge|charges|costs", "rip off", "ripped off", "ripping me|us|people|customers off",
		"took|taking my money", "price gouging", "cant|couldnt afford", "lost my job",
		"payment failed|declined|taken", "unauthorised|unauthorized charge|charges|payment|payments|transaction|transactions",
		"wrong charge|amount|price", "owe|owes me", "owed", "money owed", "billing error|issue|problem|mistake",
	}},

	{CueNegative, Unsure, []string{
		"disappoint*|terrible|awful|horrible|horrid|dreadful|worst|hate|hated|hates|angry|furious|livid|fuming",
		"upset|annoyed|annoying|frustrat*|ridiculous|pathetic|useless|rubbish|garbage|trash|disgust*|gross|meh",
		"sad|sadly|unhappy|shame|shameful|embarrass*|letdown|wtf|ugh|smh|bad|poor|crap|crappy|sucks|suck",
		"avoid|beware|warning|worried|worry|concerned|concerning|scared|afraid|urgent|urgently|asap",
		"cry|crying|cried|tears|heartbroken|heartbreaking|lonely|struggling|struggle",
		"not happy", "not impressed", "not ok", "not okay", "let down", "what happened", "gone downhill",
		"not the same", "used to be", "so much for", "stay away", "be careful", "please respond|reply|help",
		"broken hearted", "hard|tough|rough|difficult time", "bad news",
	}},
	{CueSarcasm, Unsure, []string{
		"yeah right", "thanks|cheers for nothing", "oh great", "just great", "just perfect", "oh perfect",
		"oh wonderful", "sure jan", "nice going", "what a joke", "slow clap", "real classy", "so classy",
		"love that for me", "said no one ever", "said noone ever", "said nobody ever", "thanks a bunch", "wow just wow",
	}},
	{kindPerson, Unsure, []string{
		"{my} {people}",
		"he|she|him|someone|somebody",
	}},
	{kindBenign, "", []string{
		"to die for", "dying to|for", "die hard", "killing|killed|kills|kill it", "kill for",
		"dead good|easy|nice|funny|chuffed|tasty|tired|gorgeous", "drop dead gorgeous",
		"food|tennis|basketball court", "court shoes", "hit me up", "beat me to it", "star wars",
		"stroke of luck|genius", "sick beats", "flu jab|shot", "blood orange|oranges|sausage|pudding|moon",
		"sparks|spark joy", "stole the show", "a steal", "no worries", "dont worry", "cry|crying laughing",
	}},
	{kindPraise, "", []string{
		"love|loved|loves|loving|lovely|thank|thanks|thankyou|great|amazing|awesome|best|recommend*|delicious",
		"perfect|fantastic|brilliant|wonderful|beautiful|excellent|congrat*|gorgeous|yum|yummy|tasty|superb",
		"incredible|favourite|favorite|fab|fabulous|stunning|impressive|impressed|happy|enjoyed|enjoy|cheers",
		"kudos|shoutout|proud",
		"thank you", "well done", "shout out",
	}},
}

// Emoji that are cues on their own (their first code point; variation
// selectors are ignored).
var (
	negativeEmoji = "😢😭💔😡🤬😠😤😞😔😟😣😖😫😩🥺🙏🕯⚰🪦🚑🏥"
	sarcasmEmoji  = "🙄😒🙃🤡🤦"
	praiseEmoji   = "😍❤👍🎉🙌😊🥰😋💯✨🔥👏🎂"
)
