package playbooks

import (
	"fmt"
	"unicode/utf8"
)

// prescan reads a playbook's raw bytes once, allocating nothing but a small
// stack, and refuses what go-yaml cannot be trusted with: NUL bytes and invalid
// UTF-8 (which the store cannot hold either), more than one document, and
// nesting, mapping widths, key lengths and node counts beyond the limits. go-yaml
// parses a block mapping's keys recursively and keeps every node's full path,
// so its cost grows with the square of the keys and the depth; the precise
// counts are taken again on the parsed tree (treeLimits), but by then go-yaml
// has done its work, and this scan is what keeps that work small.
//
// The scan is a tokenizer for the YAML a playbook uses, not a YAML parser: it
// follows quotes, comments, block scalars, flow collections and indentation.
// Where it guesses, it guesses high (a continued plain scalar counts as another
// node), and the limits are far above any real playbook.
func prescan(src []byte) *Problem {
	if len(src) > MaxSourceBytes {
		return &Problem{Line: 1, Column: 1, Field: "$", Message: fmt.Sprintf("the playbook is %d bytes; the limit is %d", len(src), MaxSourceBytes)}
	}
	if p := textProblem(src); p != nil {
		return p
	}
	s := &scanner{src: src, blockParent: -1}
	return s.run()
}

// textProblem refuses NUL bytes and invalid UTF-8, naming where.
func textProblem(src []byte) *Problem {
	line, lineStart := 1, 0
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == 0:
			return &Problem{Line: line, Column: i - lineStart + 1, Field: "$", Message: "holds a NUL byte; a playbook is UTF-8 text"}
		case c == '\n':
			line, lineStart = line+1, i+1
			i++
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && n <= 1 {
				return &Problem{Line: line, Column: i - lineStart + 1, Field: "$", Message: fmt.Sprintf("is not valid UTF-8 (byte 0x%02x); a playbook is UTF-8 text", c)}
			}
			i += n
		}
	}
	return nil
}

// scanLevel is one open block collection: its indentation and how many keys
// it has had.
type scanLevel struct{ indent, keys int }

type scanner struct {
	src         []byte
	line        int // current line, from 1
	lineStart   int // offset of the current line
	nodes       int
	docs        int
	levels      []scanLevel // open block collections, innermost last
	flow        []int       // open flow collections: keys seen in each
	quote       byte        // the quote of a scalar continuing from an earlier line
	inBlock     bool        // inside a block scalar (| or >)
	blockParent int         // a block scalar's lines are indented deeper than this
}

func (s *scanner) problem(at int, format string, a ...any) *Problem {
	return &Problem{Line: s.line, Column: at - s.lineStart + 1, Field: "$", Message: fmt.Sprintf(format, a...)}
}

func (s *scanner) run() *Problem {
	s.line = 1
	for start := 0; start <= len(s.src); {
		end := start
		for end < len(s.src) && s.src[end] != '\n' {
			end++
		}
		s.lineStart = start
		if p := s.scanLine(start, end); p != nil {
			return p
		}
		if end == len(s.src) {
			break
		}
		start = end + 1
		s.line++
	}
	return nil
}

func (s *scanner) scanLine(start, end int) *Problem {
	indent := 0
	for start+indent < end && s.src[start+indent] == ' ' {
		indent++
	}
	p := start + indent
	atCol0Marker := indent == 0 && isDocMarker(s.src[start:end])
	if s.inBlock {
		if (p == end || indent > s.blockParent) && !atCol0Marker {
			return nil
		}
		s.inBlock = false
	}
	if s.quote != 0 {
		q, ok := s.closeQuote(start, end, s.quote)
		if !ok {
			return nil
		}
		s.quote = 0
		return s.tokens(q, end, false)
	}
	if len(s.flow) > 0 {
		return s.tokens(start, end, false)
	}
	if p == end || s.src[p] == '#' {
		return nil
	}
	if atCol0Marker {
		s.docs++
		if s.docs > MaxDocuments {
			return s.problem(start, "a playbook is one YAML document; this is document marker %d", s.docs)
		}
		s.levels = s.levels[:0]
		return s.tokens(start+3, end, false)
	}
	for len(s.levels) > 0 && s.levels[len(s.levels)-1].indent > indent {
		s.levels = s.levels[:len(s.levels)-1]
	}
	// Sequence entries: "- ", possibly several on one line ("- - a").
	for p < end && s.src[p] == '-' && (p+1 == end || isBlank(s.src[p+1])) {
		if pr := s.open(p, p-start); pr != nil {
			return pr
		}
		s.blockParent = p - start
		p++
		for p < end && isBlank(s.src[p]) {
			p++
		}
	}
	return s.tokens(p, end, true)
}

// open enters a block collection at column col unless one is already open there.
func (s *scanner) open(at, col int) *Problem {
	if n := len(s.levels); n > 0 && s.levels[n-1].indent >= col {
		return nil
	}
	s.levels = append(s.levels, scanLevel{indent: col})
	return s.grew(at)
}

// grew counts a new node and checks the node and depth limits.
func (s *scanner) grew(at int) *Problem {
	s.nodes++
	if s.nodes > MaxYAMLNodes {
		return s.problem(at, "the playbook has more than %d YAML nodes (scalars, lists and maps)", MaxYAMLNodes)
	}
	if d := len(s.levels) + len(s.flow); d > MaxYAMLDepth {
		return s.problem(at, "lists and maps nest more than %d deep here", MaxYAMLDepth)
	}
	return nil
}

// key counts a mapping key of keyLen bytes starting at column col.
func (s *scanner) key(at, col, keyLen int, block bool) *Problem {
	if keyLen > MaxKeyBytes {
		return s.problem(at, "a mapping key is %d bytes; the limit is %d", keyLen, MaxKeyBytes)
	}
	var keys *int
	if block {
		if pr := s.open(at, col); pr != nil {
			return pr
		}
		keys = &s.levels[len(s.levels)-1].keys
		s.blockParent = col
	} else {
		keys = &s.flow[len(s.flow)-1]
	}
	*keys++
	if *keys > MaxMappingKeys {
		return s.problem(at, "a mapping has more than %d keys", MaxMappingKeys)
	}
	return nil
}

// tokens scans [p, end) of one line. block says whether the line is in block
// context at its start (a key found there opens or continues a block mapping).
func (s *scanner) tokens(p, end int, block bool) *Problem {
	tokStart := true
	keyDone := false // a block line has at most one key
	for p < end {
		c := s.src[p]
		inFlow := len(s.flow) > 0
		switch {
		case isBlank(c):
			p++
			tokStart = true
			continue
		case c == '#' && tokStart:
			return nil
		case inFlow && (c == ',' || c == ']' || c == '}'):
			if c != ',' {
				s.flow = s.flow[:len(s.flow)-1]
			}
			p++
			tokStart = true
			continue
		case (c == '[' || c == '{') && (tokStart || inFlow):
			s.flow = append(s.flow, 0)
			if pr := s.grew(p); pr != nil {
				return pr
			}
			p++
			tokStart = true
			continue
		case !tokStart:
			p++
			continue
		}
		// A token starts at p.
		switch {
		case c == '"' || c == '\'':
			q, ok := s.closeQuote(p+1, end, c)
			if pr := s.grew(p); pr != nil {
				return pr
			}
			if !ok {
				s.quote = c
				return nil
			}
			if pr := s.maybeKey(p, q, end, block && !inFlow && !keyDone); pr != nil {
				return pr
			}
			keyDone = keyDone || (block && !inFlow && isKeyColon(s.src, q, end))
			p = q
		case c == '*':
			if pr := s.grew(p); pr != nil {
				return pr
			}
			p = s.skipWord(p, end)
		case c == '&' || c == '!':
			p = s.skipWord(p, end)
		case (c == '|' || c == '>') && !inFlow:
			if pr := s.grew(p); pr != nil {
				return pr
			}
			s.inBlock = true
			return nil
		case c == '-' && !inFlow && (p+1 == end || isBlank(s.src[p+1])):
			p++ // a misplaced entry; go-yaml will say so
		case c == '?' && (p+1 == end || isBlank(s.src[p+1])):
			p++
		case c == ':' && (p+1 == end || isBlank(s.src[p+1]) || inFlow):
			p++ // a value without a key
		default:
			q := s.plainEnd(p, end, inFlow)
			if pr := s.grew(p); pr != nil {
				return pr
			}
			if pr := s.maybeKey(p, q, end, block && !inFlow && !keyDone); pr != nil {
				return pr
			}
			keyDone = keyDone || (block && !inFlow && isKeyColon(s.src, q, end))
			p = q
		}
		tokStart = false
		if p < end && (s.src[p] == ':' || isBlank(s.src[p])) {
			tokStart = true
			if s.src[p] == ':' {
				p++
			}
		}
	}
	return nil
}

// maybeKey counts the scalar [from, to) as a key when a ':' indicator follows.
func (s *scanner) maybeKey(from, to, end int, blockKey bool) *Problem {
	if !isKeyColon(s.src, to, end) {
		return nil
	}
	if len(s.flow) > 0 {
		return s.key(from, 0, to-from, false)
	}
	if !blockKey {
		return nil
	}
	return s.key(from, from-s.lineStart, to-from, true)
}

// isKeyColon reports whether a ':' indicator is at i (spaces before it allowed).
func isKeyColon(src []byte, i, end int) bool {
	for i < end && src[i] == ' ' {
		i++
	}
	return i < end && src[i] == ':' && (i+1 == end || isBlank(src[i+1]) || isFlowIndicator(src[i+1]))
}

// plainEnd returns where a plain scalar starting at p ends on this line: at
// ": ", " #", the end of the line, or (in a flow collection) a flow indicator.
func (s *scanner) plainEnd(p, end int, inFlow bool) int {
	for i := p; i < end; i++ {
		c := s.src[i]
		switch {
		case c == ':' && (i+1 == end || isBlank(s.src[i+1]) || (inFlow && isFlowIndicator(s.src[i+1]))):
			return i
		case c == '#' && i > p && isBlank(s.src[i-1]):
			return i
		case inFlow && isFlowIndicator(c):
			return i
		}
	}
	return end
}

// closeQuote returns the offset just past the quote q closing a scalar that
// continues at p, or false when it does not close on this line.
func (s *scanner) closeQuote(p, end int, q byte) (int, bool) {
	for i := p; i < end; i++ {
		switch {
		case q == '"' && s.src[i] == '\\':
			i++
		case s.src[i] == q:
			if q == '\'' && i+1 < end && s.src[i+1] == '\'' {
				i++
				continue
			}
			return i + 1, true
		}
	}
	return end, false
}

// skipWord passes an anchor, alias or tag.
func (s *scanner) skipWord(p, end int) int {
	for p < end && !isBlank(s.src[p]) && !isFlowIndicator(s.src[p]) {
		p++
	}
	return p
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func isFlowIndicator(c byte) bool { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}' }

func isDocMarker(line []byte) bool {
	if len(line) < 3 || !(string(line[:3]) == "---" || string(line[:3]) == "...") {
		return false
	}
	return len(line) == 3 || isBlank(line[3])
}
