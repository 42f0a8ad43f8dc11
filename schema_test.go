package cloudflare_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	cloudflare "github.com/seed-b6b9b3cb/cloudflare-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The schema tests hold the Go types to Cloudflare's OpenAPI schema of these
// endpoints, shared by the repository's modules.

// schemaLoad returns the OpenAPI document, or skips the test without it.
func schemaLoad(t *testing.T) map[string]any {
	t.Helper()
	path := filepath.Join("..", "shared", "openapi", "user-invites.openapi.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is missing: the schema is checked only in a checkout with the shared directory", path)
	}
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	return doc
}

// schemaResolve follows node's local $ref, if any.
func schemaResolve(t *testing.T, doc, node map[string]any) map[string]any {
	t.Helper()
	ref, ok := node["$ref"].(string)
	if !ok {
		return node
	}
	require.True(t, strings.HasPrefix(ref, "#/"), "non-local $ref %q", ref)
	next := any(doc)
	for _, k := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := next.(map[string]any)
		require.True(t, ok, "bad $ref %q", ref)
		next = m[k]
	}
	m, ok := next.(map[string]any)
	require.True(t, ok, "$ref %q leads to no object", ref)
	return schemaResolve(t, doc, m)
}

// schemaObject returns a component's properties, resolved, and its required
// property names.
func schemaObject(t *testing.T, doc map[string]any, name string) (map[string]map[string]any, []string) {
	t.Helper()
	obj := schemaResolve(t, doc, map[string]any{"$ref": "#/components/schemas/" + name})
	raw, ok := obj["properties"].(map[string]any)
	require.True(t, ok && len(raw) > 0, "%s has no properties", name)
	props := map[string]map[string]any{}
	for k, v := range raw {
		props[k] = schemaResolve(t, doc, v.(map[string]any))
	}
	var required []string
	reqs, _ := obj["required"].([]any)
	for _, r := range reqs {
		required = append(required, r.(string))
	}
	return props, required
}

// schemaValues returns the values a property may be generated with: its
// example (or each enum value), a string of its maximum length, the other
// boolean, and null where nullable.
func schemaValues(t *testing.T, doc, prop map[string]any) []any {
	t.Helper()
	var vals []any
	if enum, ok := prop["enum"].([]any); ok {
		vals = append(vals, enum...)
	} else if ex, ok := prop["example"]; ok {
		vals = append(vals, ex)
	}
	switch prop["type"] {
	case "array":
		items := schemaResolve(t, doc, prop["items"].(map[string]any))
		vals = append(vals, []any{items["example"]}, []any{}, []any{items["example"], "Billing"})
	case "boolean":
		vals = append(vals, !prop["example"].(bool))
	case "string":
		if n, ok := prop["maxLength"].(float64); ok && prop["format"] == nil {
			vals = append(vals, strings.Repeat("x", int(n)))
		}
	}
	require.NotEmpty(t, vals, "no value for %v", prop)
	if prop["nullable"] == true {
		vals = append(vals, nil)
	}
	return vals
}

// schemaVariants generates invitations from the schema: one with every
// property at its first value, one with only the required properties, one
// per further value of each property, and one without each optional one.
func schemaVariants(t *testing.T, doc map[string]any) []map[string]any {
	props, required := schemaObject(t, doc, "iam_user_invite")
	base, minimal := map[string]any{}, map[string]any{}
	values := map[string][]any{}
	for name, prop := range props {
		values[name] = schemaValues(t, doc, prop)
		base[name] = values[name][0]
	}
	for _, r := range required {
		minimal[r] = base[r]
	}
	variants := []map[string]any{base, minimal}
	for _, name := range slices.Sorted(maps.Keys(props)) {
		for _, v := range values[name][1:] {
			m := maps.Clone(base)
			m[name] = v
			variants = append(variants, m)
		}
		if !slices.Contains(required, name) {
			m := maps.Clone(base)
			delete(m, name)
			variants = append(variants, m)
		}
	}
	return variants
}

// schemaCheck asserts that inv holds what variant generated: each present,
// non-null property's value, and the zero value for the others.
func schemaCheck(t *testing.T, variant map[string]any, inv cloudflare.Invite, where string) {
	t.Helper()
	var got, zero map[string]any
	b, err := json.Marshal(inv)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &got))
	b, _ = json.Marshal(cloudflare.Invite{})
	require.NoError(t, json.Unmarshal(b, &zero))
	for name := range zero {
		want, ok := variant[name]
		if !ok || want == nil {
			want = zero[name]
		}
		assert.Equal(t, want, got[name], "%s: field %s", where, name)
	}
}

func TestSchema_GeneratedInvitationsDecode(t *testing.T) {
	t.Parallel()
	doc := schemaLoad(t)
	variants := schemaVariants(t, doc)
	require.Greater(t, len(variants), 15)
	bodies := map[string][]byte{}
	var all []map[string]any
	for i, v := range variants {
		b, err := json.Marshal(map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": v})
		require.NoError(t, err)
		bodies[fmt.Sprintf("/client/v4/user/invites/v%d", i)] = b
		all = append(all, v)
	}
	list, err := json.Marshal(map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": all,
		"result_info": map[string]any{"page": 1, "per_page": len(all), "count": len(all), "total_count": len(all)}})
	require.NoError(t, err)
	bodies["/client/v4/user/invites"] = list
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := cloudflare.NewClient(cloudflare.WithBaseURL(srv.URL+"/client/v4/"), cloudflare.WithAPIToken("tok_SECRET_0123456789abcdef"))
	require.NoError(t, err)
	ctx := context.Background()

	for i, v := range variants {
		inv, err := c.User.Invites.Get(ctx, fmt.Sprintf("v%d", i))
		if assert.NoError(t, err, "variant %d: %v", i, v) {
			schemaCheck(t, v, *inv, fmt.Sprintf("Get of variant %d", i))
		}
	}
	invites, info, err := c.User.Invites.List(ctx, nil)
	require.NoError(t, err)
	require.Len(t, invites, len(variants))
	assert.Equal(t, len(variants), info.TotalCount)
	for i, v := range variants {
		schemaCheck(t, v, invites[i], fmt.Sprintf("List item %d", i))
	}
}

// schemaTags returns the JSON names of a struct's fields.
func schemaTags(typ reflect.Type) []string {
	var names []string
	for i := range typ.NumField() {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// No guessed fields: every field the types decode is a property of the
// schema, and every property of an invitation has its field. The one
// exception is ResultInfo.TotalPages: Cloudflare's paged list endpoints send
// total_pages, although iam_result_info does not list it.
func TestSchema_FieldsAreSchemaProperties(t *testing.T) {
	t.Parallel()
	doc := schemaLoad(t)
	for _, tt := range []struct {
		typ    reflect.Type
		schema string
		all    bool // every property has a field
	}{
		{reflect.TypeOf(cloudflare.Invite{}), "iam_user_invite", true},
		{reflect.TypeOf(cloudflare.ResultInfo{}), "iam_result_info", true},
		{reflect.TypeOf(cloudflare.InviteEditParams{}), "", false},
	} {
		if tt.schema == "" {
			// The PATCH body's schema is inline in the operation.
			op := schemaResolve(t, doc, doc["paths"].(map[string]any)["/user/invites/{invite_id}"].(map[string]any)["patch"].(map[string]any))
			body := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
			props := schemaResolve(t, doc, body)["properties"].(map[string]any)
			for _, name := range schemaTags(tt.typ) {
				assert.Contains(t, props, name, "InviteEditParams field %q", name)
			}
			continue
		}
		props, _ := schemaObject(t, doc, tt.schema)
		tags := schemaTags(tt.typ)
		require.NotEmpty(t, tags)
		for _, name := range tags {
			if tt.schema == "iam_result_info" && name == "total_pages" {
				assert.NotContains(t, props, name, "total_pages is in the schema now: drop the exception")
				continue
			}
			assert.Contains(t, props, name, "%s field %q is not in %s", tt.typ, name, tt.schema)
		}
		for name := range props {
			if tt.all {
				assert.Contains(t, tags, name, "%s property %q has no field in %s", tt.schema, name, tt.typ)
			}
		}
	}
}
