package cloudflaretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file holds a validator for the subset of JSON Schema (OpenAPI 3.0
// flavour) that ../testdata/user-invites.openapi.json uses, and the check
// every test's responses go through (see validateExchange).

const schemaFile = "../testdata/user-invites.openapi.json"

// failureSchemaRef is the schema of every error response.
const failureSchemaRef = "#/components/schemas/iam_api-response-common-failure"

// openAPI is the decoded schema document. Numbers stay json.Number, so
// integers and other numbers can be told apart.
type openAPI struct{ doc map[string]any }

var (
	schemaOnce sync.Once
	schemaDoc  *openAPI
	schemaErr  error
)

// loadSchema reads the schema file once for all tests.
func loadSchema(t testing.TB) *openAPI {
	t.Helper()
	schemaOnce.Do(func() {
		raw, err := os.ReadFile(schemaFile)
		if err != nil {
			schemaErr = err
			return
		}
		v, err := decodeJSON(raw)
		if err != nil {
			schemaErr = err
			return
		}
		schemaDoc = &openAPI{doc: v.(map[string]any)}
	})
	require.NoError(t, schemaErr, "loading %s", schemaFile)
	return schemaDoc
}

// decodeJSON decodes one JSON value with numbers kept as json.Number, and
// fails on trailing data.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// ref returns the schema a "#/..." reference points to.
func (d *openAPI) ref(ref string) (map[string]any, error) {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	var node any = d.doc
	for _, part := range strings.Split(path, "/") {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not an object", ref, part)
		}
		if node, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, part)
		}
	}
	s, ok := node.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q is not a schema", ref)
	}
	return s, nil
}

// operationSchema returns the schema of the 200 response of an operation.
func (d *openAPI) operationSchema(path, method string) (map[string]any, error) {
	var node any = d.doc
	for _, key := range []string{"paths", path, strings.ToLower(method), "responses", "200", "content", "application/json", "schema"} {
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no 200 schema for %s %s", method, path)
		}
		if node, ok = m[key]; !ok {
			return nil, fmt.Errorf("no 200 schema for %s %s (missing %q)", method, path, key)
		}
	}
	return node.(map[string]any), nil
}

// validate checks v against schema and returns every violation, each
// prefixed by the JSON pointer of the value.
//
// Supported: $ref, allOf, type, nullable, enum, properties, required,
// items, maxLength, minLength, minimum and format "date-time". minLength on
// an array (the schema puts one on the failure's "errors") is read as a
// minimum number of items, which is what it means there; JSON Schema would
// ignore it. Annotations (description, example, readOnly, x-…) and
// uniqueItems on an item schema (meaningless there) are ignored;
// TestSchemaUsesOnlySupportedKeywords keeps this list complete.
func (d *openAPI) validate(v any, schema map[string]any, at string) []string {
	if r, ok := schema["$ref"].(string); ok {
		target, err := d.ref(r)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		return d.validate(v, target, at)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if all, ok := schema["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, d.validate(v, sub.(map[string]any), at)...)
		}
	}
	if enum, ok := schema["enum"].([]any); ok && !inEnum(v, enum) {
		fail("%s is not one of %s", show(v), show(enum))
	}
	if v == nil {
		if schema["nullable"] != true && schema["type"] != nil {
			fail("null where %v is required", schema["type"])
		}
		return errs
	}
	if typ, ok := schema["type"].(string); ok && !hasType(v, typ) {
		fail("%s is not of type %s", show(v), typ)
		return errs
	}
	switch x := v.(type) {
	case string:
		errs = append(errs, checkString(x, schema, at)...)
	case json.Number:
		if lo, ok := schema["minimum"].(json.Number); ok && compareNumbers(x, lo) < 0 {
			fail("%s is below the minimum %s", x, lo)
		}
	case []any:
		if lo, ok := schema["minLength"].(json.Number); ok && compareNumbers(json.Number(fmt.Sprint(len(x))), lo) < 0 {
			fail("%d items, fewer than %s", len(x), lo)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, item := range x {
				errs = append(errs, d.validate(item, items, fmt.Sprintf("%s/%d", at, i))...)
			}
		}
	case map[string]any:
		errs = append(errs, d.checkObject(x, schema, at)...)
	}
	return errs
}

func (d *openAPI) checkObject(obj map[string]any, schema map[string]any, at string) []string {
	var errs []string
	if req, ok := schema["required"].([]any); ok {
		for _, name := range req {
			if _, present := obj[name.(string)]; !present {
				errs = append(errs, fmt.Sprintf("%s: required property %q is missing", at, name))
			}
		}
	}
	props, _ := schema["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		if val, present := obj[name]; present {
			errs = append(errs, d.validate(val, props[name].(map[string]any), at+"/"+name)...)
		}
	}
	return errs
}

func checkString(s string, schema map[string]any, at string) []string {
	var errs []string
	n := json.Number(fmt.Sprint(utf8.RuneCountInString(s)))
	if hi, ok := schema["maxLength"].(json.Number); ok && compareNumbers(n, hi) > 0 {
		errs = append(errs, fmt.Sprintf("%s: %q is %s characters, more than %s", at, s, n, hi))
	}
	if lo, ok := schema["minLength"].(json.Number); ok && compareNumbers(n, lo) < 0 {
		errs = append(errs, fmt.Sprintf("%s: %q is %s characters, fewer than %s", at, s, n, lo))
	}
	if schema["format"] == "date-time" {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not an RFC 3339 date-time", at, s))
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	}
	return false
}

func compareNumbers(a, b json.Number) int {
	x, _ := a.Float64()
	y, _ := b.Float64()
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func inEnum(v any, enum []any) bool {
	for _, e := range enum {
		if reflect.DeepEqual(v, e) {
			return true
		}
	}
	return false
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apiPath maps a request path of the fake to the schema's path template,
// independently of the fake's own router.
func apiPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/client/v4")
	switch {
	case !ok:
		return "", false
	case rest == "/user/invites":
		return rest, true
	case strings.HasPrefix(rest, "/user/invites/") && !strings.Contains(rest[len("/user/invites/"):], "/"):
		return "/user/invites/{invite_id}", true
	}
	return "", false
}

var rayPattern = regexp.MustCompile(`^[0-9a-f]{16}-[A-Z]{3}$`)

// validateExchange checks one response of the fake: its headers, and its
// body against the schema of the operation's 200 response (2xx) or of
// iam_api-response-common-failure (any other status). Responses a fault made
// on purpose unlike the API (cut JSON, HTML, redirects, bodies given by
// the test) are exempt from the schema but not from the CF-Ray check.
func validateExchange(d *openAPI, ex exchange) []string {
	where := fmt.Sprintf("%s %s -> %d", ex.method, ex.path, ex.status)
	var errs []string
	if !rayPattern.MatchString(ex.header.Get("Cf-Ray")) {
		errs = append(errs, where+": CF-Ray "+ex.header.Get("Cf-Ray")+" is not shaped like Cloudflare's")
	}
	if ex.fault != nil {
		switch {
		case ex.fault.Body != "" && !helperBody(ex.fault.Body, ex.status):
			return errs
		case ex.fault.Truncate:
			if json.Valid(ex.body) {
				errs = append(errs, where+": a truncated body is valid JSON")
			}
			return errs
		case len(ex.body) == 0, ex.header.Get("Content-Type") != "application/json":
			return errs
		}
	}
	if ct := ex.header.Get("Content-Type"); ct != "application/json" {
		return append(errs, where+": Content-Type "+ct+", want application/json")
	}
	v, err := decodeJSON(ex.body)
	if err != nil {
		return append(errs, where+": body is not JSON: "+err.Error())
	}
	schema, err := schemaFor(d, ex)
	if err != nil {
		return append(errs, where+": "+err.Error())
	}
	for _, e := range d.validate(v, schema, "") {
		errs = append(errs, where+": "+e)
	}
	if ex.status >= 300 && ex.fault == nil {
		errs = append(errs, checkErrorHabits(v, where)...)
	}
	return errs
}

// helperBody reports whether a fault's Body is one a helper of this
// package makes; those follow the schema like any other response. Any other
// Body was given by a test, on purpose.
func helperBody(body string, status int) bool {
	if status >= 500 && status <= 599 && body == ServerError(status).Body {
		return true
	}
	return body == RateLimited(0).Body
}

func schemaFor(d *openAPI, ex exchange) (map[string]any, error) {
	if ex.status < 200 || ex.status >= 300 {
		return d.ref(failureSchemaRef)
	}
	p, ok := apiPath(ex.path)
	if !ok {
		return nil, fmt.Errorf("a 2xx response on a path with no operation")
	}
	return d.operationSchema(p, ex.method)
}

// checkErrorHabits checks what the schema leaves open but the real API
// does: an error response has "messages": [] and at least one error.
func checkErrorHabits(v any, where string) []string {
	env, _ := v.(map[string]any)
	var errs []string
	if msgs, ok := env["messages"].([]any); !ok || len(msgs) != 0 {
		errs = append(errs, where+`: error response without "messages": []`)
	}
	if e, ok := env["errors"].([]any); !ok || len(e) == 0 {
		errs = append(errs, where+": error response without errors")
	}
	return errs
}

// The reference page's example response, which must validate.
const referenceExample = `{
  "errors": [{"code": 1000, "message": "message", "documentation_url": "documentation_url", "source": {"pointer": "pointer"}}],
  "messages": [{"code": 1000, "message": "message", "documentation_url": "documentation_url", "source": {"pointer": "pointer"}}],
  "success": true,
  "result": {
    "invited_member_id": "5a7805061c76ada191ed06f989cc3dac",
    "organization_id": "5a7805061c76ada191ed06f989cc3dac",
    "id": "4f5f0c14a2a41d5063dd301b2f829f04",
    "expires_on": "2014-01-01T05:20:00Z",
    "invited_by": "user@example.com",
    "invited_member_email": "user@example.com",
    "invited_on": "2014-01-01T05:20:00Z",
    "organization_is_enforcing_twofactor": true,
    "organization_name": "Cloudflare, Inc.",
    "roles": ["Account Administrator"],
    "status": "accepted"
  }
}`

func TestSchemaValidatorAcceptsGoodBodies(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	tests := []struct {
		name, path, method, body string
	}{
		{"reference example", "/user/invites/{invite_id}", "patch", referenceExample},
		{"fake's reference response", "/user/invites/{invite_id}", "get", string(referenceResponse())},
		{"null member id", "/user/invites/{invite_id}", "get", strings.Replace(referenceExample, `"invited_member_id": "5a7805061c76ada191ed06f989cc3dac"`, `"invited_member_id": null`, 1)},
		{"list", "/user/invites", "get", `{"success":true,"errors":[],"messages":[],"result":[],"result_info":{"page":1,"per_page":20,"count":0,"total_count":0}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			schema, err := d.operationSchema(tt.path, tt.method)
			require.NoError(t, err)
			v, err := decodeJSON([]byte(tt.body))
			require.NoError(t, err)
			assert.Empty(t, d.validate(v, schema, ""))
		})
	}
}

// TestSchemaValidatorRejectsBadBodies proves the validator can fail: each
// body breaks one rule of the schema.
func TestSchemaValidatorRejectsBadBodies(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	single := func(from, to string) string {
		require.Contains(t, referenceExample, from)
		return strings.Replace(referenceExample, from, to, 1)
	}
	const failureOK = `{"success":false,"errors":[{"code":7003,"message":"x"}],"messages":[],"result":null}`
	tests := []struct {
		name, schema, body, want string
	}{
		{"success missing", "single", strings.Replace(referenceExample, `"success": true,`, "", 1), `required property "success"`},
		{"success false on 200", "single", single(`"success": true`, `"success": false`), "is not one of [true]"},
		{"success a string", "single", single(`"success": true`, `"success": "true"`), "not of type boolean"},
		{"code below 1000", "single", single(`"code": 1000`, `"code": 971`), "below the minimum 1000"},
		{"code not an integer", "single", single(`"code": 1000`, `"code": 1000.5`), "not of type integer"},
		{"message missing", "single", single(`"message": "message", "documentation_url"`, `"documentation_url"`), `required property "message"`},
		{"organization_id missing", "single", single(`"organization_id": "5a7805061c76ada191ed06f989cc3dac",`, ""), `required property "organization_id"`},
		{"organization_id null", "single", single(`"organization_id": "5a7805061c76ada191ed06f989cc3dac"`, `"organization_id": null`), "null where string"},
		{"id too long", "single", single(`"id": "4f5f0c14a2a41d5063dd301b2f829f04"`, `"id": "4f5f0c14a2a41d5063dd301b2f829f04a"`), "more than 32"},
		{"organization name too long", "single", single(`"Cloudflare, Inc."`, `"`+strings.Repeat("é", 101)+`"`), "more than 100"},
		{"role too long", "single", single(`"Account Administrator"`, `"`+strings.Repeat("r", 121)+`"`), "more than 120"},
		{"status unknown", "single", single(`"status": "accepted"`, `"status": "cancelled"`), "is not one of"},
		{"status null", "single", single(`"status": "accepted"`, `"status": null`), "is not one of"},
		{"bad date", "single", single(`"invited_on": "2014-01-01T05:20:00Z"`, `"invited_on": "2014-01-01 05:20"`), "not an RFC 3339 date-time"},
		{"roles not an array", "single", single(`["Account Administrator"]`, `"Account Administrator"`), "not of type array"},
		{"twofactor a string", "single", single(`"organization_is_enforcing_twofactor": true`, `"organization_is_enforcing_twofactor": "yes"`), "not of type boolean"},
		{"list result an object", "list", `{"success":true,"errors":[],"messages":[],"result":{},"result_info":{}}`, "not of type array"},
		{"list item invalid", "list", `{"success":true,"errors":[],"messages":[],"result":[{"invited_member_id":null}]}`, `/result/0: required property "organization_id"`},
		{"result_info count a string", "list", `{"success":true,"errors":[],"messages":[],"result":[],"result_info":{"count":"1"}}`, "not of type number"},
		{"failure with success true", "failure", strings.Replace(failureOK, `"success":false`, `"success":true`, 1), "is not one of [false]"},
		{"failure with a result", "failure", strings.Replace(failureOK, `"result":null`, `"result":{}`, 1), "is not one of [null]"},
		{"failure without result", "failure", strings.Replace(failureOK, `,"result":null`, "", 1), `required property "result"`},
		{"failure without errors", "failure", strings.Replace(failureOK, `"errors":[{"code":7003,"message":"x"}]`, `"errors":[]`, 1), "fewer than 1"},
		{"failure code too small", "failure", strings.Replace(failureOK, "7003", "999", 1), "below the minimum"},
		{"not an object", "failure", `[]`, "not of type object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var schema map[string]any
			var err error
			switch tt.schema {
			case "single":
				schema, err = d.operationSchema("/user/invites/{invite_id}", "patch")
			case "list":
				schema, err = d.operationSchema("/user/invites", "get")
			default:
				schema, err = d.ref(failureSchemaRef)
			}
			require.NoError(t, err)
			v, err := decodeJSON([]byte(tt.body))
			require.NoError(t, err)
			errs := d.validate(v, schema, "")
			require.NotEmpty(t, errs, "the validator accepted a bad body")
			assert.Contains(t, strings.Join(errs, "\n"), tt.want)
		})
	}
}

// TestValidateExchangeRejectsBadResponses proves the per-response check
// fails on responses the fake must never send.
func TestValidateExchangeRejectsBadResponses(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	jsonHeader := func(ray string) map[string][]string {
		return map[string][]string{"Content-Type": {"application/json"}, "Cf-Ray": {ray}}
	}
	okRay := "0123456789abcdef-SJC"
	tests := []struct {
		name string
		ex   exchange
		want string
	}{
		{"no CF-Ray", exchange{method: "GET", path: "/client/v4/user/invites", status: 200, header: jsonHeader(""), body: []byte(`{"success":true,"errors":[],"messages":[],"result":[]}`)}, "CF-Ray"},
		{"HTML on a normal response", exchange{method: "GET", path: "/client/v4/user/invites", status: 502, header: map[string][]string{"Content-Type": {"text/html"}, "Cf-Ray": {okRay}}, body: []byte("<html>")}, "Content-Type text/html"},
		{"broken JSON", exchange{method: "GET", path: "/client/v4/user/invites", status: 200, header: jsonHeader(okRay), body: []byte(`{"success":`)}, "not JSON"},
		{"2xx on no operation", exchange{method: "GET", path: "/client/v4/zones", status: 200, header: jsonHeader(okRay), body: []byte(`{}`)}, "no operation"},
		{"error with messages", exchange{method: "GET", path: "/client/v4/x", status: 404, header: jsonHeader(okRay), body: []byte(`{"success":false,"errors":[{"code":7000,"message":"x"}],"messages":[{"code":1000,"message":"m"}],"result":null}`)}, `"messages": []`},
		{"truncated but valid", exchange{method: "GET", path: "/client/v4/user/invites", status: 200, header: jsonHeader(okRay), body: []byte(`{}`), fault: &Fault{Truncate: true}}, "valid JSON"},
		{"made-up fault envelope invalid", exchange{method: "GET", path: "/client/v4/user/invites", status: 500, header: jsonHeader(okRay), body: []byte(`{"success":false}`), fault: &Fault{Status: 500}}, `required property "errors"`},
		{"helper body checked", exchange{method: "GET", path: "/client/v4/user/invites", status: 429, header: jsonHeader(okRay), body: []byte(`{"success":false,"errors":[{"code":971,"message":"x"}],"messages":[],"result":null}`), fault: &Fault{Status: 429, Body: RateLimited(0).Body}}, "below the minimum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := validateExchange(d, tt.ex)
			require.NotEmpty(t, errs)
			assert.Contains(t, strings.Join(errs, "\n"), tt.want)
		})
	}
}

// TestSchemaUsesOnlySupportedKeywords fails if the schema file starts using
// a keyword the validator does not check.
func TestSchemaUsesOnlySupportedKeywords(t *testing.T) {
	t.Parallel()
	d := loadSchema(t)
	supported := map[string]bool{
		"$ref": true, "allOf": true, "type": true, "nullable": true, "enum": true, "properties": true,
		"required": true, "items": true, "maxLength": true, "minLength": true, "minimum": true, "format": true,
		// annotations and keywords that cannot apply where the file uses them
		"description": true, "example": true, "readOnly": true, "uniqueItems": true,
	}
	components, err := d.ref("#/components/schemas")
	require.NoError(t, err)
	var walk func(schema map[string]any, at string)
	walk = func(schema map[string]any, at string) {
		for k, v := range schema {
			if !supported[k] && !strings.HasPrefix(k, "x-") {
				t.Errorf("%s: keyword %q is not supported by the validator", at, k)
			}
			switch k {
			case "properties":
				for name, sub := range v.(map[string]any) {
					walk(sub.(map[string]any), at+"/properties/"+name)
				}
			case "items":
				walk(v.(map[string]any), at+"/items")
			case "allOf":
				for i, sub := range v.([]any) {
					walk(sub.(map[string]any), fmt.Sprintf("%s/allOf/%d", at, i))
				}
			}
			if f, ok := schema["format"]; ok && f != "date-time" {
				t.Errorf("%s: format %v is not supported", at, f)
			}
		}
	}
	for name, s := range components {
		walk(s.(map[string]any), name)
	}
}

// TestSchemaCoversEveryResponse provokes every kind of response the fake
// gives, plain and over TLS, unpaged and paged, so that the fixture
// validates each one against the schema at cleanup; and it checks that
// every error code the package declares was among them.
func TestSchemaCoversEveryResponse(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 33)
	type req struct{ method, path, body string }
	kinds := []struct {
		name string
		req  req
		auth http.Header
		want int
	}{
		{"list", req{"GET", "user/invites", ""}, keyAuth(), 200},
		{"list, page 2", req{"GET", "user/invites?page=2&per_page=3", ""}, keyAuth(), 200},
		{"list, past the end", req{"GET", "user/invites?page=9", ""}, keyAuth(), 200},
		{"list, bad paging", req{"GET", "user/invites?per_page=0", ""}, keyAuth(), 400},
		{"get", req{"GET", "user/invites/" + SeedPendingInviteID, ""}, keyAuth(), 200},
		{"get, unknown", req{"GET", "user/invites/" + strings.Repeat("0", 32), ""}, keyAuth(), 404},
		{"patch", req{"PATCH", "user/invites/" + SeedInviteID, `{"status":"accepted"}`}, jsonKeyAuth(), 200},
		{"patch, not pending", req{"PATCH", "user/invites/" + SeedAcceptedInviteID, `{"status":"accepted"}`}, jsonKeyAuth(), 400},
		{"patch, expired", req{"PATCH", "user/invites/" + SeedExpiredInviteID, `{"status":"rejected"}`}, jsonKeyAuth(), 400},
		{"patch, bad status", req{"PATCH", "user/invites/" + SeedPendingInviteID, `{"status":"pending"}`}, jsonKeyAuth(), 400},
		{"patch, bad body", req{"PATCH", "user/invites/" + SeedPendingInviteID, `[]`}, jsonKeyAuth(), 400},
		{"patch, bad content type", req{"PATCH", "user/invites/" + SeedPendingInviteID, `{"status":"accepted"}`}, keyAuth(), 415},
		{"patch, too large", req{"PATCH", "user/invites/" + SeedPendingInviteID, strings.Repeat(" ", maxBodyBytes+1)}, jsonKeyAuth(), 413},
		{"no route", req{"GET", "zones", ""}, keyAuth(), 404},
		{"method not allowed", req{"POST", "user/invites", ""}, keyAuth(), 405},
		{"bad identifier", req{"GET", "user/invites/" + long, ""}, keyAuth(), 400},
		{"no credentials", req{"GET", "user/invites", ""}, nil, 400},
		{"malformed key", req{"GET", "user/invites", ""}, http.Header{"X-Auth-Email": {"x"}, "X-Auth-Key": {"y"}}, 400},
		{"malformed token", req{"GET", "user/invites", ""}, http.Header{"Authorization": {"Basic x"}}, 400},
		{"unknown key", req{"GET", "user/invites", ""}, http.Header{"X-Auth-Email": {DefaultEmail}, "X-Auth-Key": {strings.Repeat("0", 37)}}, 403},
		{"unknown token", req{"GET", "user/invites", ""}, http.Header{"Authorization": {"Bearer " + strings.Repeat("t", 40)}}, 403},
	}
	faults := []Fault{RateLimited(time.Second), ServerError(503), {Status: http.StatusTeapot}, {Commit: true, Status: 500}}

	servers := map[string]func(*testing.T, ...ServerOption) *fixture{"plain": setup, "tls": setupTLS}
	for _, name := range []string{"plain", "tls"} {
		for _, paging := range [][]ServerOption{nil, {WithPageSize(2)}} {
			f := servers[name](t, paging...)
			for _, k := range kinds {
				status, _, body := f.do(t, k.req.method, k.req.path, k.auth, k.req.body)
				if k.name == "list, bad paging" && paging == nil {
					k.want = 200 // an unpaged fake ignores the query
				}
				assert.Equal(t, k.want, status, "%s %s: %s; body: %s", name, paging, k.name, body)
			}
			for _, fault := range faults {
				f.srv.FailNext(1, fault)
				f.do(t, "GET", "user/invites", keyAuth(), "")
			}
			t.Run(fmt.Sprintf("%s, paged %v: every code", name, paging != nil), func(t *testing.T) {
				seen := f.codesSent(t)
				for _, code := range declaredCodes(t) {
					if code == CodeInvalidPaging && paging == nil {
						continue
					}
					assert.True(t, seen[code], "no response had code %d", code)
				}
			})
		}
	}
}

// codesSent returns every error code, top level or in an error_chain, of
// the responses the fixture's server wrote.
func (f *fixture) codesSent(t *testing.T) map[int]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[int]bool{}
	var walk func([]envelopeInfo)
	walk = func(infos []envelopeInfo) {
		for _, i := range infos {
			seen[i.Code] = true
			walk(i.ErrorChain)
		}
	}
	for _, ex := range f.exchanges {
		var env envelope
		if json.Unmarshal(ex.body, &env) == nil {
			walk(env.Errors)
		}
	}
	return seen
}

// declaredCodes reads the Code constants of codes.go.
func declaredCodes(t *testing.T) []int {
	src, err := os.ReadFile("codes.go")
	require.NoError(t, err)
	var codes []int
	for _, m := range regexp.MustCompile(`(?m)^\tCode\w+ = (\d+)$`).FindAllStringSubmatch(string(src), -1) {
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		codes = append(codes, n)
	}
	require.Len(t, codes, 20, "codes.go's constants")
	return codes
}
