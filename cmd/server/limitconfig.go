package main

import "segretariato/internal/server"

// limitConfig is the serve command's limits of one GraphQL request
// (server.Limits and the cost limit); unset, the server's defaults.
type limitConfig struct {
	Limits  server.Limits
	MaxCost int // MAX_COST (default 20000): server.Options.ComplexityLimit
}

func parseLimitConfig(getenv func(string) string) (limitConfig, error) {
	var l limitConfig
	err := positiveInts(getenv, []envInt{
		{"MAX_TOKENS", &l.Limits.MaxTokens}, {"MAX_ALIASES", &l.Limits.MaxAliases},
		{"MAX_REPEATED_FIELDS", &l.Limits.MaxRepeats}, {"MAX_DIRECTIVES", &l.Limits.MaxDirectives},
		{"MAX_DEPTH", &l.Limits.MaxDepth}, {"MAX_COST", &l.MaxCost},
		{"MAX_STRING_LENGTH", &l.Limits.MaxStringLength}, {"MAX_LIST_LENGTH", &l.Limits.MaxListLength},
	})
	return l, err
}
