package gcptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	sqladmin "google.golang.org/api/sqladmin/v1"
)

// CloudSQL fakes the Cloud SQL Admin v1 API: instances insert/get/list,
// databases insert/get, users insert/list/update, operations get/list.
// Every operation goes PENDING, then RUNNING on its first poll, then DONE
// after Steps polls, when its effect becomes visible.
type CloudSQL struct {
	*httptest.Server
	Steps int // polls until an operation is DONE (default 3)

	mu        sync.Mutex
	instances map[string]*sqladmin.DatabaseInstance
	databases map[string]map[string]*sqladmin.Database
	users     map[string]map[string]*sqladmin.User
	ops       map[string]*sqlOp
	opSeq     int
	busy      int
	failNext  string
	mutations int
	rejected  int
}

type sqlOp struct {
	op     *sqladmin.Operation
	polls  int
	done   func() // makes the effect visible
	failed string
}

// NewCloudSQL starts the fake; Close it when done.
func NewCloudSQL() *CloudSQL {
	f := &CloudSQL{
		Steps:     3,
		instances: map[string]*sqladmin.DatabaseInstance{},
		databases: map[string]map[string]*sqladmin.Database{},
		users:     map[string]map[string]*sqladmin.User{},
		ops:       map[string]*sqlOp{},
	}
	mux := http.NewServeMux()
	const p = "/v1/projects/{project}"
	mux.HandleFunc("GET "+p+"/instances", f.listInstances)
	mux.HandleFunc("POST "+p+"/instances", f.insertInstance)
	mux.HandleFunc("GET "+p+"/instances/{instance}", f.getInstance)
	mux.HandleFunc("POST "+p+"/instances/{instance}/databases", f.insertDatabase)
	mux.HandleFunc("GET "+p+"/instances/{instance}/databases/{database}", f.getDatabase)
	mux.HandleFunc("GET "+p+"/instances/{instance}/users", f.listUsers)
	mux.HandleFunc("POST "+p+"/instances/{instance}/users", f.insertUser)
	mux.HandleFunc("PUT "+p+"/instances/{instance}/users", f.updateUser)
	mux.HandleFunc("GET "+p+"/operations", f.listOperations)
	mux.HandleFunc("GET "+p+"/operations/{operation}", f.getOperation)
	f.Server = httptest.NewServer(mux)
	return f
}

// Endpoint is the value for SQLADMIN_ENDPOINT.
func (f *CloudSQL) Endpoint() string { return f.URL + "/" }

// Mutations counts the insert and update calls that were accepted.
func (f *CloudSQL) Mutations() int { f.mu.Lock(); defer f.mu.Unlock(); return f.mutations }

// Rejected counts calls answered 409 operationInProgress.
func (f *CloudSQL) Rejected() int { f.mu.Lock(); defer f.mu.Unlock(); return f.rejected }

// SetBusy makes the next n mutating calls fail with 409
// operationInProgress, as when a backup or another client holds the instance.
func (f *CloudSQL) SetBusy(n int) { f.mu.Lock(); defer f.mu.Unlock(); f.busy = n }

// FailNextOperation makes the next accepted operation end DONE with this
// error message.
func (f *CloudSQL) FailNextOperation(msg string) { f.mu.Lock(); defer f.mu.Unlock(); f.failNext = msg }

// writeError writes Google's JSON error envelope.
func writeError(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"errors": []map[string]string{{"message": msg, "domain": "global", "reason": reason}},
	}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

// mutate admits a mutating call, or answers it and reports false.
func (f *CloudSQL) mutate(w http.ResponseWriter) bool {
	if f.busy > 0 {
		f.busy--
		f.rejected++
		writeError(w, http.StatusConflict, "operationInProgress",
			"Operation failed because another operation was already in progress. Try your request after the current operation is complete.")
		return false
	}
	f.mutations++
	return true
}

func (f *CloudSQL) startOp(w http.ResponseWriter, r *http.Request, kind, instance string, done func()) {
	f.opSeq++
	name := fmt.Sprintf("%08x-0000-4000-8000-%012d", f.opSeq, f.opSeq)
	project := r.PathValue("project")
	op := &sqladmin.Operation{
		Kind: "sql#operation", Name: name, Status: "PENDING", OperationType: kind,
		TargetId: instance, TargetProject: project,
		SelfLink: f.URL + "/v1/projects/" + project + "/operations/" + name,
	}
	f.ops[name] = &sqlOp{op: op, done: done, failed: f.failNext}
	f.failNext = ""
	writeJSON(w, op)
}

func (f *CloudSQL) getOperation(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.ops[r.PathValue("operation")]
	if !ok {
		writeError(w, http.StatusNotFound, "operationDoesNotExist", "The Cloud SQL instance operation does not exist.")
		return
	}
	f.advance(o)
	writeJSON(w, o.op)
}

func (f *CloudSQL) advance(o *sqlOp) {
	if o.op.Status == "DONE" {
		return
	}
	o.polls++
	o.op.Status = "RUNNING"
	if o.polls < f.Steps {
		return
	}
	o.op.Status = "DONE"
	if o.failed != "" {
		o.op.Error = &sqladmin.OperationErrors{Kind: "sql#operationErrors",
			Errors: []*sqladmin.OperationError{{Kind: "sql#operationError", Code: "INVALID_REQUEST", Message: o.failed}}}
		return
	}
	o.done()
}

func (f *CloudSQL) listOperations(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &sqladmin.OperationsListResponse{Kind: "sql#operationsList"}
	for _, o := range f.ops {
		if o.op.TargetId == r.URL.Query().Get("instance") {
			resp.Items = append(resp.Items, o.op)
		}
	}
	writeJSON(w, resp)
}

func (f *CloudSQL) listInstances(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &sqladmin.InstancesListResponse{Kind: "sql#instancesList"}
	for _, i := range f.instances {
		resp.Items = append(resp.Items, i)
	}
	writeJSON(w, resp)
}

func (f *CloudSQL) getInstance(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.instances[r.PathValue("instance")]
	if !ok {
		writeError(w, http.StatusNotFound, "instanceDoesNotExist", "The Cloud SQL instance does not exist.")
		return
	}
	writeJSON(w, inst)
}

func (f *CloudSQL) insertInstance(w http.ResponseWriter, r *http.Request) {
	var in sqladmin.DatabaseInstance
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" || in.Settings == nil {
		writeError(w, http.StatusBadRequest, "invalid", "Invalid request: missing name or settings.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.instances[in.Name]; ok {
		writeError(w, http.StatusConflict, "instanceAlreadyExists", "The Cloud SQL instance already exists.")
		return
	}
	if !f.mutate(w) {
		return
	}
	inst := &in
	inst.Kind, inst.State, inst.Project = "sql#instance", "PENDING_CREATE", r.PathValue("project")
	inst.ConnectionName = inst.Project + ":" + inst.Region + ":" + inst.Name
	f.instances[in.Name] = inst
	f.startOp(w, r, "CREATE", in.Name, func() {
		inst.State = "RUNNABLE"
		typ := "PRIMARY"
		if inst.Settings.IpConfiguration != nil && inst.Settings.IpConfiguration.PrivateNetwork != "" {
			typ = "PRIVATE"
		}
		inst.IpAddresses = []*sqladmin.IpMapping{{Type: typ, IpAddress: "10.20.0.3"}}
	})
}

// ready answers 404 for a missing instance, 409 for one still being created.
func (f *CloudSQL) ready(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("instance")
	inst, ok := f.instances[name]
	if !ok {
		writeError(w, http.StatusNotFound, "instanceDoesNotExist", "The Cloud SQL instance does not exist.")
		return "", false
	}
	if inst.State != "RUNNABLE" {
		writeError(w, http.StatusConflict, "operationInProgress", "Operation failed because another operation was already in progress.")
		return "", false
	}
	return name, true
}

func (f *CloudSQL) getDatabase(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.ready(w, r)
	if !ok {
		return
	}
	db, ok := f.databases[inst][r.PathValue("database")]
	if !ok {
		writeError(w, http.StatusNotFound, "notFound", "The database does not exist.")
		return
	}
	writeJSON(w, db)
}

func (f *CloudSQL) insertDatabase(w http.ResponseWriter, r *http.Request) {
	var in sqladmin.Database
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" {
		writeError(w, http.StatusBadRequest, "invalid", "Invalid request: missing database name.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.ready(w, r)
	if !ok {
		return
	}
	if _, exists := f.databases[inst][in.Name]; exists {
		writeError(w, http.StatusConflict, "alreadyExists", "The database already exists.")
		return
	}
	if !f.mutate(w) {
		return
	}
	in.Kind, in.Instance, in.Project = "sql#database", inst, r.PathValue("project")
	f.startOp(w, r, "CREATE_DATABASE", inst, func() {
		if f.databases[inst] == nil {
			f.databases[inst] = map[string]*sqladmin.Database{}
		}
		f.databases[inst][in.Name] = &in
	})
}

func (f *CloudSQL) listUsers(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.ready(w, r)
	if !ok {
		return
	}
	resp := &sqladmin.UsersListResponse{Kind: "sql#usersList"}
	for _, u := range f.users[inst] {
		// The API never returns passwords.
		resp.Items = append(resp.Items, &sqladmin.User{Kind: u.Kind, Name: u.Name, Instance: u.Instance})
	}
	writeJSON(w, resp)
}

// Password is the password the named user was last given (for tests).
func (f *CloudSQL) Password(instance, user string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.users[instance][user]; ok {
		return u.Password
	}
	return ""
}

func (f *CloudSQL) insertUser(w http.ResponseWriter, r *http.Request) {
	f.putUser(w, r, "CREATE_USER", r.URL.Query().Get("name"))
}

func (f *CloudSQL) updateUser(w http.ResponseWriter, r *http.Request) {
	f.putUser(w, r, "UPDATE_USER", r.URL.Query().Get("name"))
}

func (f *CloudSQL) putUser(w http.ResponseWriter, r *http.Request, kind, name string) {
	var in sqladmin.User
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", "Invalid request.")
		return
	}
	if name == "" {
		name = in.Name
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inst, ok := f.ready(w, r)
	if !ok {
		return
	}
	switch _, exists := f.users[inst][name]; {
	case exists && kind == "CREATE_USER":
		writeError(w, http.StatusConflict, "alreadyExists", "The user already exists.")
		return
	case !exists && kind == "UPDATE_USER":
		writeError(w, http.StatusNotFound, "notFound", "The user does not exist.")
		return
	}
	if !f.mutate(w) {
		return
	}
	f.startOp(w, r, kind, inst, func() {
		if f.users[inst] == nil {
			f.users[inst] = map[string]*sqladmin.User{}
		}
		f.users[inst][name] = &sqladmin.User{Kind: "sql#user", Name: name, Instance: inst, Password: in.Password}
	})
}
