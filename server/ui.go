package server

import _ "embed"

// uiPage is the query UI served at /: one self-contained page, so it works without a network.
//
//go:embed ui.html
var uiPage []byte
