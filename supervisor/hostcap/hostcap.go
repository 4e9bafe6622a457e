package hostcap

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/symposium/symposium/ipc/sandboxpb"
)

// Data is the per-block data store.
type Data interface {
	Save(ctx context.Context, block, key string, value []byte) error
	Get(ctx context.Context, block, key string) ([]byte, error)
	Delete(ctx context.Context, block, key string) error
}

// Fetcher makes allowlisted HTTP requests.
type Fetcher interface {
	Fetch(ctx context.Context, url string) (status int, contentType string, body []byte, err error)
}

// Classifier sorts errors into those the script may see (a quota, a bad
// key, a refused host) and the rest, which stay in the log.
type Classifier struct {
	NotFound   error   // answered as "found: false"
	UserFacing []error // answered with their message
}

// Factory builds one Host server per block.
type Factory struct {
	data   Data
	fetch  Fetcher
	errs   Classifier
	logger *slog.Logger
	limits Limits
}

// Opt configures New.
type Opt func(*Factory)

// WithLimits replaces the default per-execution bounds; zero fields keep
// their default.
func WithLimits(l Limits) Opt {
	return func(f *Factory) {
		d := &f.limits
		if l.Concurrent > 0 {
			d.Concurrent = l.Concurrent
		}
		if l.Calls > 0 {
			d.Calls = l.Calls
		}
		if l.Bytes > 0 {
			d.Bytes = l.Bytes
		}
		if l.Window > 0 {
			d.Window = l.Window
		}
	}
}

// New returns a Factory. data or fetch may be nil: the capability then
// answers "not available".
func New(data Data, fetch Fetcher, errs Classifier, logger *slog.Logger, opts ...Opt) *Factory {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := &Factory{data: data, fetch: fetch, errs: errs, logger: logger, limits: DefaultLimits}
	for _, o := range opts {
		o(f)
	}
	return f
}

// For returns the Host server for one block. The server also has
// BeginExecution (see Execution), to be called before each execution of
// the isolate it serves.
func (f *Factory) For(blockID string) sandboxpb.HostServer {
	return &server{f: f, block: blockID, budget: newBudget(f.limits)}
}

type server struct {
	sandboxpb.UnimplementedHostServer
	f      *Factory
	block  string
	budget *budget
}

// BeginExecution implements Execution.
func (s *server) BeginExecution() { s.budget.reset() }

// answer turns an error into a gRPC status whose message a script may read.
func (s *server) answer(op string, err error) error {
	for _, e := range s.f.errs.UserFacing {
		if errors.Is(err, e) {
			return status.Error(codes.InvalidArgument, err.Error())
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return status.Error(codes.DeadlineExceeded, op+" timed out")
	}
	s.f.logger.Error("host capability failed", "op", op, "block", s.block, "err", err)
	return status.Error(codes.Unavailable, op+" is unavailable right now; try again later")
}

func (s *server) SaveData(ctx context.Context, r *sandboxpb.SaveDataRequest) (*sandboxpb.SaveDataResponse, error) {
	if s.f.data == nil {
		return nil, status.Error(codes.Unimplemented, "block data is not available on this server")
	}
	done, err := s.budget.enter(ctx, len(r.GetKey())+len(r.GetValueJson()))
	if err != nil {
		return nil, err
	}
	defer done(0)
	if err := s.f.data.Save(ctx, s.block, r.GetKey(), r.GetValueJson()); err != nil {
		return nil, s.answer("saveData", err)
	}
	return &sandboxpb.SaveDataResponse{}, nil
}

func (s *server) GetData(ctx context.Context, r *sandboxpb.GetDataRequest) (*sandboxpb.GetDataResponse, error) {
	if s.f.data == nil {
		return nil, status.Error(codes.Unimplemented, "block data is not available on this server")
	}
	done, err := s.budget.enter(ctx, len(r.GetKey()))
	if err != nil {
		return nil, err
	}
	v, err := s.f.data.Get(ctx, s.block, r.GetKey())
	done(len(v))
	if s.f.errs.NotFound != nil && errors.Is(err, s.f.errs.NotFound) {
		return &sandboxpb.GetDataResponse{Found: false}, nil
	}
	if err != nil {
		return nil, s.answer("getData", err)
	}
	return &sandboxpb.GetDataResponse{Found: true, ValueJson: v}, nil
}

func (s *server) DeleteData(ctx context.Context, r *sandboxpb.DeleteDataRequest) (*sandboxpb.DeleteDataResponse, error) {
	if s.f.data == nil {
		return nil, status.Error(codes.Unimplemented, "block data is not available on this server")
	}
	done, err := s.budget.enter(ctx, len(r.GetKey()))
	if err != nil {
		return nil, err
	}
	defer done(0)
	if err := s.f.data.Delete(ctx, s.block, r.GetKey()); err != nil {
		return nil, s.answer("deleteData", err)
	}
	return &sandboxpb.DeleteDataResponse{}, nil
}

func (s *server) Fetch(ctx context.Context, r *sandboxpb.FetchRequest) (*sandboxpb.FetchResponse, error) {
	if s.f.fetch == nil {
		return nil, status.Error(codes.Unimplemented, "fetch is not available on this server")
	}
	done, err := s.budget.enter(ctx, len(r.GetUrl()))
	if err != nil {
		return nil, err
	}
	code, ctype, body, err := s.f.fetch.Fetch(ctx, r.GetUrl())
	done(len(body) + len(ctype))
	if err != nil {
		return nil, s.answer("fetch", err)
	}
	return &sandboxpb.FetchResponse{Status: int32(code), ContentType: ctype, Body: body}, nil
}
