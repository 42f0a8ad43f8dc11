package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The schema tests hold the Go types to Cloudflare's OpenAPI schema for
// these endpoints (testdata/user-invites.openapi.json), so a field added to
// either side without the other fails here.

// openAPI is the schema document, decoded loosely.
type openAPI map[string]any

func loadSchema(t *testing.T) openAPI {
	t.Helper()
	var doc openAPI
	require.NoError(t, json.Unmarshal(fixture(t, "user-invites.openapi.json"), &doc))
	return doc
}

// schemaAt follows keys from node, failing the test if one is missing or does
// not lead to an object.
func schemaAt(t *testing.T, node map[string]any, keys ...string) map[string]any {
	t.Helper()
	for i, k := range keys {
		next, ok := node[k].(map[string]any)
		require.True(t, ok, "schema has no object at %s", strings.Join(keys[:i+1], "."))
		node = next
	}
	return node
}

// resolve follows a local $ref ("#/components/schemas/x"), if any.
func (doc openAPI) resolve(t *testing.T, node map[string]any) map[string]any {
	t.Helper()
	ref, ok := node["$ref"].(string)
	if !ok {
		return node
	}
	require.True(t, strings.HasPrefix(ref, "#/"), "non-local $ref %q", ref)
	return doc.resolve(t, schemaAt(t, doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...))
}

// schemaEnum returns a schema's enum as strings.
func schemaEnum(t *testing.T, node map[string]any) []string {
	t.Helper()
	values, ok := node["enum"].([]any)
	require.True(t, ok, "schema has no enum")
	var out []string
	for _, v := range values {
		s, ok := v.(string)
		require.True(t, ok, "enum value %v is not a string", v)
		out = append(out, s)
	}
	return out
}

// jsonFields returns the fields of a struct type by their JSON name,
// skipping untagged and "-" fields.
func jsonFields(typ reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f
	}
	return fields
}

// fieldsVersusProperties compares a struct's JSON fields with a schema's
// property names, returning what each side lacks, sorted.
func fieldsVersusProperties(typ reflect.Type, properties map[string]any) (notInGo, notInSchema []string) {
	fields := jsonFields(typ)
	for name := range properties {
		if _, ok := fields[name]; !ok {
			notInGo = append(notInGo, name)
		}
	}
	for name := range fields {
		if _, ok := properties[name]; !ok {
			notInSchema = append(notInSchema, name)
		}
	}
	sort.Strings(notInGo)
	sort.Strings(notInSchema)
	return notInGo, notInSchema
}

func TestFieldsVersusProperties_FindsDifferences(t *testing.T) {
	t.Parallel()
	// The comparison must be able to fail, or the schema tests prove nothing.
	type partial struct {
		ID      string `json:"id"`
		Extra   string `json:"extra,omitempty"`
		Skipped string `json:"-"`
		Untyped string
	}
	notInGo, notInSchema := fieldsVersusProperties(reflect.TypeOf(partial{}), map[string]any{"id": nil, "status": nil})
	assert.Equal(t, []string{"status"}, notInGo)
	assert.Equal(t, []string{"extra"}, notInSchema)
}

func TestSchema_InviteMatchesIAMUserInvite(t *testing.T) {
	t.Parallel()
	doc := loadSchema(t)
	invite := schemaAt(t, doc, "components", "schemas", "iam_user_invite")
	properties := schemaAt(t, invite, "properties")
	require.NotEmpty(t, properties)

	notInGo, notInSchema := fieldsVersusProperties(reflect.TypeOf(Invite{}), properties)
	assert.Empty(t, notInGo, "schema properties without an Invite field")
	assert.Empty(t, notInSchema, "Invite fields that are not schema properties")

	// Each property's type fits its field's Go type.
	fields := jsonFields(reflect.TypeOf(Invite{}))
	timeType := reflect.TypeOf(time.Time{})
	for name, raw := range properties {
		f, ok := fields[name]
		if !ok {
			continue // reported above
		}
		prop := doc.resolve(t, raw.(map[string]any))
		typ, _ := prop["type"].(string)
		_, isEnum := prop["enum"]
		switch {
		case prop["format"] == "date-time":
			assert.Equal(t, timeType, f.Type, "%s is a date-time", name)
		case typ == "string" || isEnum && typ == "":
			assert.Equal(t, reflect.String, f.Type.Kind(), "%s is a string", name)
		case typ == "boolean":
			assert.Equal(t, reflect.Bool, f.Type.Kind(), "%s is a boolean", name)
		case typ == "array":
			items := doc.resolve(t, schemaAt(t, prop, "items"))
			assert.Equal(t, "string", items["type"], "%s items", name)
			assert.Equal(t, reflect.TypeOf([]string{}), f.Type, "%s is an array of strings", name)
		default:
			t.Errorf("property %s has type %q, which this test does not map", name, typ)
		}
	}

	required, ok := invite["required"].([]any)
	require.True(t, ok)
	for _, r := range required {
		assert.Contains(t, fields, r, "required property")
	}
}

func TestSchema_InviteStatusEnum(t *testing.T) {
	t.Parallel()
	doc := loadSchema(t)
	status := schemaAt(t, doc, "components", "schemas", "iam_user_invite", "properties", "status")

	got := schemaEnum(t, status)

	want := []string{
		string(InviteStatusPending), string(InviteStatusAccepted),
		string(InviteStatusRejected), string(InviteStatusExpired),
	}
	assert.ElementsMatch(t, want, got)
}

func TestSchema_EditRequestBody(t *testing.T) {
	t.Parallel()
	doc := loadSchema(t)
	schema := schemaAt(t, doc, "paths", "/user/invites/{invite_id}", "patch", "requestBody", "content", "application/json", "schema")
	properties := schemaAt(t, schema, "properties")

	notInGo, notInSchema := fieldsVersusProperties(reflect.TypeOf(InviteEditParams{}), properties)
	assert.Empty(t, notInGo)
	assert.Empty(t, notInSchema)
	got := schemaEnum(t, schemaAt(t, properties, "status"))
	assert.ElementsMatch(t, []string{string(InviteStatusAccepted), string(InviteStatusRejected)}, got)

	// Edit accepts exactly the statuses the schema allows in the body.
	client, srv := setup(t)
	for _, s := range []InviteStatus{InviteStatusPending, InviteStatusAccepted, InviteStatusRejected, InviteStatusExpired} {
		_, err := client.User.Invites.Edit(context.Background(), testInviteID, InviteEditParams{Status: s}, WithMaxRetries(0))
		var ve *ValidationError
		isValidation := errors.As(err, &ve)
		assert.Equal(t, !slices.Contains(got, string(s)), isValidation, "Edit with status %q: %v", s, err)
	}
	assert.EqualValues(t, 2, srv.count(), "only the allowed statuses are sent")
}

func TestSchema_ResponseInfoMatchesMessages(t *testing.T) {
	t.Parallel()
	doc := loadSchema(t)
	item := schemaAt(t, doc, "components", "schemas", "iam_messages-2", "items", "properties")
	require.NotEmpty(t, item)

	// error_chain is not in the schema: the real API sends it
	// (shared/reference/cloudflare-errors.md), so ResponseInfo keeps it.
	fields := jsonFields(reflect.TypeOf(ResponseInfo{}))
	delete(fields, "error_chain")
	var names []string
	for name := range fields {
		names = append(names, name)
	}
	var props []string
	for name := range item {
		props = append(props, name)
	}
	assert.ElementsMatch(t, props, names)

	pointer := schemaAt(t, item, "source", "properties")
	notInGo, notInSchema := fieldsVersusProperties(reflect.TypeOf(ErrorSource{}), pointer)
	assert.Empty(t, notInGo)
	assert.Empty(t, notInSchema)
	assert.Contains(t, jsonFields(reflect.TypeOf(ErrorSource{})), "pointer")
}

func TestSchema_ResultInfoMatches(t *testing.T) {
	t.Parallel()
	doc := loadSchema(t)
	properties := schemaAt(t, doc, "components", "schemas", "iam_result_info", "properties")
	require.NotEmpty(t, properties)

	notInGo, notInSchema := fieldsVersusProperties(reflect.TypeOf(ResultInfo{}), properties)

	assert.Empty(t, notInGo)
	assert.Empty(t, notInSchema)
}

func TestSchema_EnvelopeMatchesResponseCommon(t *testing.T) {
	t.Parallel()
	doc := loadSchema(t)
	properties := schemaAt(t, doc, "components", "schemas", "iam_api-response-common", "properties")
	require.NotEmpty(t, properties)

	notInGo, _ := fieldsVersusProperties(reflect.TypeOf(envelopeHeader{}), properties)

	assert.Empty(t, notInGo, "envelope fields the client does not read")
}
