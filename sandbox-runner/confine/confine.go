package confine

// Options tunes Apply. The zero value is the runner's configuration.
type Options struct {
	// NoFile is RLIMIT_NOFILE (soft and hard); 0 means 64.
	NoFile uint64
	// FileSize is RLIMIT_FSIZE (soft and hard); 0, the default, forbids
	// growing any file.
	FileSize uint64
}

// defaultNoFile leaves room for the listener, go-plugin's stdio pipes, the
// poller and a handful of gRPC connections.
const defaultNoFile = 64

func (o Options) noFile() uint64 {
	if o.NoFile == 0 {
		return defaultNoFile
	}
	return o.NoFile
}

// Status is the calling thread's confinement as the kernel reports it.
type Status struct {
	NoNewPrivs  bool
	SeccompMode int // 0 none, 1 strict, 2 filter
}

// SeccompModeFilter is Status.SeccompMode once Apply has succeeded.
const SeccompModeFilter = 2
