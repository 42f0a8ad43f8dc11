package cloudflaretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schemaDoc is the API's OpenAPI document, decoded with numbers as
// json.Number.
type schemaDoc map[string]any

func loadSchema(t *testing.T) schemaDoc {
	t.Helper()
	raw, err := os.ReadFile("../testdata/user-invites.openapi.json")
	require.NoError(t, err)
	v, err := decodeNumbers(raw)
	require.NoError(t, err)
	return v.(map[string]any)
}

func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// at returns the node at a path of keys, or nil.
func (d schemaDoc) at(keys ...string) map[string]any {
	var node any = map[string]any(d)
	for _, k := range keys {
		m, _ := node.(map[string]any)
		node = m[k]
	}
	m, _ := node.(map[string]any)
	return m
}

// validate returns how v breaks schema, each violation prefixed by where.
// It covers the keywords the document uses: $ref, allOf, type, nullable,
// enum, properties, required, items, maxLength, minLength (on an array:
// a minimum number of items, as the failure's "errors" means it), minimum
// and format date-time; the others are annotations.
func (d schemaDoc) validate(v any, schema map[string]any, where string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		return d.validate(v, d.at(strings.Split(strings.TrimPrefix(ref, "#/"), "/")...), where)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, where+": "+fmt.Sprintf(format, args...)) }
	for _, sub := range asSlice(schema["allOf"]) {
		errs = append(errs, d.validate(v, sub.(map[string]any), where)...)
	}
	if enum, ok := schema["enum"].([]any); ok && !inEnum(v, enum) {
		fail("%v is not one of %v", v, enum)
	}
	num := func(key string) float64 { f, _ := schema[key].(json.Number).Float64(); return f }
	_, hasMin := schema["minLength"]
	_, hasMax := schema["maxLength"]
	switch x := v.(type) {
	case nil:
		if schema["type"] != nil && schema["nullable"] != true {
			fail("null where %v is required", schema["type"])
		}
	case map[string]any:
		errs = append(errs, d.validateObject(x, schema, where)...)
	case []any:
		errs = append(errs, d.checkType(schema, "array", where)...)
		if hasMin && float64(len(x)) < num("minLength") {
			fail("%d items, fewer than %v", len(x), schema["minLength"])
		}
		for i, item := range x {
			if items, ok := schema["items"].(map[string]any); ok {
				errs = append(errs, d.validate(item, items, fmt.Sprintf("%s/%d", where, i))...)
			}
		}
	case string:
		errs = append(errs, d.checkType(schema, "string", where)...)
		if n := float64(utf8.RuneCountInString(x)); hasMax && n > num("maxLength") {
			fail("%q is longer than %v", x, schema["maxLength"])
		}
		if _, err := time.Parse(time.RFC3339, x); schema["format"] == "date-time" && err != nil {
			fail("%q is not a date-time", x)
		}
	case json.Number:
		_, err := x.Int64()
		if schema["type"] == "integer" && err != nil || schema["type"] != nil && schema["type"] != "integer" && schema["type"] != "number" {
			fail("%v is not of type %v", x, schema["type"])
		}
		if f, _ := x.Float64(); schema["minimum"] != nil && f < num("minimum") {
			fail("%v is below %v", x, schema["minimum"])
		}
	case bool:
		errs = append(errs, d.checkType(schema, "boolean", where)...)
	}
	return errs
}

// validateObject returns how the object x breaks schema: its type, its
// required properties, and each property it has.
func (d schemaDoc) validateObject(x map[string]any, schema map[string]any, where string) []string {
	errs := d.checkType(schema, "object", where)
	for _, name := range asSlice(schema["required"]) {
		if _, ok := x[name.(string)]; !ok {
			errs = append(errs, fmt.Sprintf("%s: required %q is missing", where, name))
		}
	}
	props, _ := schema["properties"].(map[string]any)
	for name, sub := range props {
		if val, ok := x[name]; ok {
			errs = append(errs, d.validate(val, sub.(map[string]any), where+"/"+name)...)
		}
	}
	return errs
}

func (d schemaDoc) checkType(schema map[string]any, got, where string) []string {
	if typ, ok := schema["type"].(string); ok && typ != got {
		return []string{where + ": a " + got + " where " + typ + " is required"}
	}
	return nil
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func inEnum(v any, enum []any) bool {
	for _, e := range enum {
		if reflect.DeepEqual(v, e) {
			return true
		}
	}
	return false
}

// validateBody checks a JSON body against the schema of the operation's 200
// response (a 2xx to an API path), of the common envelope (the fake's own
// /__fake/reset), or of the failure response (any other status).
func (d schemaDoc) validateBody(method, path string, status int, body []byte) []string {
	schema := d.at("components", "schemas", "iam_api-response-common-failure")
	switch {
	case status >= 300:
	case path == resetPath:
		schema = d.at("components", "schemas", "iam_api-response-common")
	case strings.HasSuffix(path, "/user/invites"):
		schema = d.at("paths", "/user/invites", "get", "responses", "200", "content", "application/json", "schema")
	default:
		schema = d.at("paths", "/user/invites/{invite_id}", strings.ToLower(method), "responses", "200", "content", "application/json", "schema")
	}
	v, err := decodeNumbers(body)
	if err != nil || schema == nil {
		return []string{fmt.Sprintf("no JSON (%v) or no schema for %s %s", err, method, path)}
	}
	return d.validate(v, schema, "")
}

func TestValidatorRejectsWhatTheSchemaForbids(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	good := string(success(toWire(SeedInvites()[0]), nil).body)
	tests := []struct{ name, body, want string }{
		{"accepted is fine", strings.Replace(good, `"status":"pending"`, `"status":"accepted"`, 1), ""},
		{"unknown status", strings.Replace(good, `"status":"pending"`, `"status":"cancelled"`, 1), "/result/status"},
		{"long id", strings.Replace(good, SeedInviteID, SeedInviteID+"x", 1), "/result/id"},
		{"bad time", strings.Replace(good, "2014-01-01T05:20:00Z", "yesterday", 1), "/result/invited_on"},
		{"missing organization_id", strings.Replace(good, `"organization_id"`, `"organisation_id"`, 1), "organization_id"},
		{"role not a string", strings.Replace(good, `["Account Administrator"]`, `[1]`, 1), "/result/roles/0"},
		{"code below 1000", `{"success":true,"errors":[{"code":971,"message":"x"}],"messages":[],"result":null}`, "/errors/0/code"},
		{"success false", strings.Replace(good, `"success":true`, `"success":false`, 1), "/success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := d.validateBody("GET", "/client/v4/user/invites/x", 200, []byte(tt.body))
			if tt.want == "" {
				assert.Empty(t, errs)
				return
			}
			assert.Contains(t, strings.Join(errs, "\n"), tt.want)
		})
	}
	assert.NotEmpty(t, d.validateBody("GET", "/x", 404, []byte(`{"success":false,"errors":[],"messages":[],"result":null}`)), "an error response needs an error")
}

// schemaCase is a kind of response the fake makes: the server's options,
// what to do to it first, the request, and the status it gets.
type schemaCase struct {
	name   string
	opts   []ServerOption
	prep   func(*Server)
	call   call
	status int
	json   bool // false for responses a fault makes unlike the API's
}

// schemaCases lists every kind of response the fake makes.
func schemaCases() []schemaCase {
	noAuth := get("user/invites")
	noAuth.header = nil
	tokenAuth := func(v string) call {
		return call{"GET", "user/invites", http.Header{"Authorization": {v}}, ""}
	}
	fault := func(f Fault) func(*Server) { return func(s *Server) { s.FailNext(1, f) } }
	return []schemaCase{
		{"list", nil, nil, get("user/invites"), 200, true},
		{"empty list", []ServerOption{WithoutSeed()}, nil, get("user/invites"), 200, true},
		{"paged list", []ServerOption{WithPageSize(2)}, nil, get("user/invites?page=2"), 200, true},
		{"invite", nil, nil, get("user/invites/" + SeedInviteID), 200, true},
		{"invite with null member", nil, nil, get("user/invites/" + SeedPendingInviteID), 200, true},
		{"answer", nil, nil, patch(SeedInviteID, `{"status":"rejected"}`), 200, true},
		{"reset", nil, nil, call{"POST", resetPath, nil, ""}, 200, true},
		{"missing credentials", nil, nil, noAuth, 400, true},
		{"malformed key", nil, nil, call{"GET", "user/invites", http.Header{"X-Auth-Key": {"x"}}, ""}, 400, true},
		{"malformed token", nil, nil, tokenAuth("Basic x"), 400, true},
		{"unknown key", nil, nil, call{"GET", "user/invites", http.Header{"X-Auth-Email": {"a@b.c"}, "X-Auth-Key": {DefaultAPIKey}}, ""}, 403, true},
		{"unknown token", nil, nil, tokenAuth("Bearer " + strings.Repeat("t", 40)), 403, true},
		{"no route", nil, nil, get("zones"), 400, true},
		{"method", nil, nil, call{"PUT", "user/invites/" + SeedInviteID, keyAuth(), ""}, 405, true},
		{"bad id", nil, nil, get("user/invites/a.b"), 400, true},
		{"unknown invite", nil, nil, get("user/invites/nope"), 404, true},
		{"not pending", nil, nil, patch(SeedAcceptedInviteID, `{"status":"rejected"}`), 400, true},
		{"expired", nil, nil, patch(SeedExpiredInviteID, `{"status":"accepted"}`), 400, true},
		{"bad status", nil, nil, patch(SeedInviteID, `{"status":"maybe"}`), 400, true},
		{"bad body", nil, nil, patch(SeedInviteID, `[]`), 400, true},
		{"media type", nil, nil, call{"PATCH", "user/invites/" + SeedInviteID, keyAuth(), `{"status":"accepted"}`}, 415, true},
		{"bad paging", []ServerOption{WithPageSize(2)}, nil, get("user/invites?per_page=0"), 400, true},
		{"too large", nil, nil, patch(SeedInviteID, strings.Repeat(" ", maxBodyBytes+1)), 413, true},
		{"rate limited", nil, fault(RateLimited(time.Second)), get("user/invites"), 429, true},
		{"server error", nil, fault(ServerError(503)), get("user/invites"), 503, true},
		{"fault status", nil, fault(Fault{Status: 418}), get("user/invites"), 418, true},
		{"committed fault", nil, fault(Fault{Status: 500, Commit: true}), patch(SeedInviteID, `{"status":"accepted"}`), 500, true},
		{"bad gateway HTML", nil, fault(BadGatewayHTML()), get("user/invites"), 502, false},
		{"malformed", nil, fault(Malformed()), get("user/invites"), 200, false},
		{"redirect", nil, fault(Redirect("https://example.com/", 0)), get("user/invites"), 307, false},
	}
}

// TestResponsesMatchTheSchema sends every kind of response the fake makes,
// over HTTP/1.1 and HTTP/2, and validates each against the API's schema.
func TestResponsesMatchTheSchema(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	tests := schemaCases()
	for _, proto := range []string{"HTTP/1.1", "HTTP/2.0"} {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				srv := NewTLSServer(tt.opts...)
				t.Cleanup(srv.Close)
				if tt.prep != nil {
					tt.prep(srv)
				}
				resp, body, err := tt.call.do(srv, rawClient(t, srv, proto == "HTTP/2.0"))
				require.NoError(t, err)
				assert.Equal(t, proto, resp.Proto)
				assert.Equal(t, tt.status, resp.StatusCode, "body: %s", body)
				assert.Regexp(t, `^[0-9a-f]{16}-[A-Z]{3}$`, resp.Header.Get("Cf-Ray"))
				if !tt.json {
					return
				}
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
				for _, e := range d.validateBody(tt.call.method, resp.Request.URL.Path, resp.StatusCode, body) {
					t.Error(e)
				}
				if resp.StatusCode >= 300 {
					env := decode(t, body)
					assert.Equal(t, []map[string]any{}, env.Messages, "error responses carry \"messages\": []")
				}
			})
		}
	}
}
