package live

import "errors"

// errInvalid wraps every problem with a message a client sent; the client
// is answered with an error message and the connection stays open.
var errInvalid = errors.New("invalid message")
