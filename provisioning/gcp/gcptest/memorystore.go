package gcptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	redis "google.golang.org/api/redis/v1"
)

// Memorystore fakes the Memorystore for Redis v1 API:
// projects.locations.instances create/get and the long-running
// projects.locations.operations resource {name, done, error, response}.
// An instance is CREATING until Steps reads (of it or its operation), then
// READY.
type Memorystore struct {
	*httptest.Server
	Steps int // default 3

	mu        sync.Mutex
	instances map[string]*redis.Instance
	ops       map[string]*redisOp
	polls     map[string]int
	creates   int
	failNext  string
}

type redisOp struct {
	name, instance string
	failed         string
}

// NewMemorystore starts the fake; Close it when done.
func NewMemorystore() *Memorystore {
	f := &Memorystore{Steps: 3, instances: map[string]*redis.Instance{}, ops: map[string]*redisOp{}, polls: map[string]int{}}
	mux := http.NewServeMux()
	const loc = "/v1/projects/{project}/locations/{location}"
	mux.HandleFunc("POST "+loc+"/instances", f.create)
	mux.HandleFunc("GET "+loc+"/instances/{instance}", f.get)
	mux.HandleFunc("GET "+loc+"/operations/{operation}", f.getOperation)
	f.Server = httptest.NewServer(mux)
	return f
}

// Endpoint is the value for REDIS_API_ENDPOINT.
func (f *Memorystore) Endpoint() string { return f.URL + "/" }

// Creates counts accepted create calls.
func (f *Memorystore) Creates() int { f.mu.Lock(); defer f.mu.Unlock(); return f.creates }

// FailNextOperation makes the next create end with this error.
func (f *Memorystore) FailNextOperation(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = msg
}

// writeStatus writes the google.rpc.Status error envelope of v1 APIs.
func writeStatus(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
}

func (f *Memorystore) create(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("instanceId")
	var in redis.Instance
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || id == "" || in.Tier == "" || in.MemorySizeGb < 1 {
		writeStatus(w, http.StatusBadRequest, "INVALID_ARGUMENT", "instance_id, tier and memory_size_gb are required")
		return
	}
	parent := "projects/" + r.PathValue("project") + "/locations/" + r.PathValue("location")
	name := parent + "/instances/" + id
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.instances[name]; ok {
		writeStatus(w, http.StatusConflict, "ALREADY_EXISTS", fmt.Sprintf("Resource '%s' already exists", name))
		return
	}
	f.creates++
	in.Name, in.State, in.LocationId = name, "CREATING", r.PathValue("location")
	f.instances[name] = &in
	op := &redisOp{name: fmt.Sprintf("%s/operations/operation-%d", parent, len(f.ops)+1), instance: name, failed: f.failNext}
	f.failNext = ""
	f.ops[op.name] = op
	writeJSON(w, f.operation(op))
}

// tick advances the instance one step towards READY (or failure).
func (f *Memorystore) tick(inst *redis.Instance, failed string) {
	if inst.State != "CREATING" {
		return
	}
	inst.CurrentLocationId = inst.LocationId
	if f.polls[inst.Name]++; f.polls[inst.Name] < f.Steps {
		return
	}
	if failed != "" {
		inst.State, inst.StatusMessage = "STATE_UNSPECIFIED", failed
		return
	}
	inst.State, inst.Host, inst.Port = "READY", "10.30.0.4", 6379
}

func (f *Memorystore) opFor(instance string) string {
	for _, op := range f.ops {
		if op.instance == instance {
			return op.failed
		}
	}
	return ""
}

func (f *Memorystore) get(w http.ResponseWriter, r *http.Request) {
	name := "projects/" + r.PathValue("project") + "/locations/" + r.PathValue("location") + "/instances/" + r.PathValue("instance")
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.instances[name]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("Resource '%s' was not found", name))
		return
	}
	f.tick(inst, f.opFor(name))
	writeJSON(w, inst)
}

func (f *Memorystore) getOperation(w http.ResponseWriter, r *http.Request) {
	name := "projects/" + r.PathValue("project") + "/locations/" + r.PathValue("location") + "/operations/" + r.PathValue("operation")
	f.mu.Lock()
	defer f.mu.Unlock()
	op, ok := f.ops[name]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("Resource '%s' was not found", name))
		return
	}
	f.tick(f.instances[op.instance], op.failed)
	writeJSON(w, f.operation(op))
}

func (f *Memorystore) operation(op *redisOp) map[string]any {
	inst := f.instances[op.instance]
	out := map[string]any{
		"name": op.name,
		"metadata": map[string]any{
			"@type":  "type.googleapis.com/google.cloud.redis.v1.OperationMetadata",
			"target": op.instance, "verb": "create", "apiVersion": "v1",
		},
		"done": inst.State != "CREATING",
	}
	switch {
	case inst.State == "CREATING":
	case op.failed != "":
		out["error"] = map[string]any{"code": 13, "message": op.failed}
	default:
		resp := map[string]any{"@type": "type.googleapis.com/google.cloud.redis.v1.Instance"}
		b, _ := json.Marshal(inst)
		json.Unmarshal(b, &resp)
		out["response"] = resp
	}
	return out
}
