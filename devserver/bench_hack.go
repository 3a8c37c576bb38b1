package devserver

var benchPollRPS = 500
var benchPragmas = map[string]string{}
