package selftest

// Attempt is one forbidden thing and how it ended.
type Attempt struct {
	Name   string `json:"name"`
	Denied bool   `json:"denied"`          // answered with the filter's errno
	Errno  string `json:"errno,omitempty"` // what it got; empty if it succeeded
	Detail string `json:"detail,omitempty"`
}

// Report is the whole selftest.
type Report struct {
	NoNewPrivs  bool      `json:"noNewPrivs"`
	SeccompMode int       `json:"seccompMode"`
	UID         int       `json:"uid"`
	Attempts    []Attempt `json:"attempts"`
	AllDenied   bool      `json:"allDenied"`
}
