package web

import "errors"

// errBadRequest wraps every request validation problem (answered 400).
var errBadRequest = errors.New("bad request")
