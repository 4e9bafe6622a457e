package localdir

import "errors"

// ErrNameTooLong means the encoded blob name exceeds the file system's
// file-name limit; Cloud Storage would accept it, a local directory cannot.
var ErrNameTooLong = errors.New("blob name too long for local storage")
