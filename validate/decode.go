// Package validate checks what the admin API and the import take in, once,
// at the edge: strict JSON decoding that names every bad field by its JSON
// path (galleries[0].images[3].url), the rules an article or appeal must
// meet before it is stored, and the sanitising of article body HTML.
package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// FieldError is one problem with one field of a document.
type FieldError struct {
	// Field is the JSON path of the field, such as
	// "galleries[0].images[3].url"; empty for the document as a whole.
	Field string `json:"field"`
	// Detail says what is wrong, in words an editor can act on.
	Detail string `json:"detail"`
}

func (e FieldError) String() string {
	if e.Field == "" {
		return e.Detail
	}
	return e.Field + ": " + e.Detail
}

// Errors is every problem found in a document. Checks go on past the
// first problem so that an editor can fix them all in one round.
type Errors []FieldError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.String()
	}
	return strings.Join(parts, "; ")
}

func (e *Errors) add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

// SyntaxError is JSON that does not parse; nothing about its fields can be
// said. Line and Column count from 1.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

var timeType = reflect.TypeFor[time.Time]()

// Decode reads data, which must hold exactly one JSON value, into v (a
// pointer to a struct). Unlike encoding/json it is strict and complete:
// unknown or repeated fields, values of the wrong type and malformed dates
// are all reported, each by its JSON path, as Errors; data that is not
// JSON at all gives a *SyntaxError. Field names match exactly, not
// ignoring case as encoding/json does. null counts as an absent field. v
// is only written when there is no error.
func Decode(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("validate.Decode: need a non-nil pointer, got %T", v)
	}
	tmp := reflect.New(rv.Type().Elem())
	if err := decodeInto(data, tmp.Elem()); err != nil {
		return err
	}
	rv.Elem().Set(tmp.Elem())
	return nil
}

// decodeInto is Decode writing into dst as it goes: on Errors, dst holds
// every field that decoded, which lets the checks of the other fields run.
func decodeInto(data []byte, dst reflect.Value) error {
	// One pass of the standard scanner first: it places a syntax error
	// exactly (the token decoder's offsets are relative to its buffer),
	// and it lets the walk below assume well-formed JSON.
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return syntaxError(data, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := walker{dec: dec}
	if err := w.value(dst, ""); err != nil {
		return syntaxError(data, err)
	}
	if len(w.errs) > 0 {
		return w.errs
	}
	return nil
}

type walker struct {
	dec  *json.Decoder
	errs Errors
}

// syntaxError places a decoding error in data.
func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &SyntaxError{Line: 1, Column: 1, Msg: err.Error()}
	}
	msg := se.Error()
	off := se.Offset - 1 // the offending byte; Offset counts it
	if strings.Contains(msg, "unexpected end") {
		off, msg = int64(len(data)), "unexpected end of input"
	}
	if strings.Contains(msg, "after top-level value") {
		msg = "unexpected data after the JSON value"
	}
	line, col := position(data, max(off, 0))
	return &SyntaxError{Line: line, Column: col, Msg: msg}
}

// position converts a byte offset into a line and column, counting from 1.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// describe names what a value of type t must be, for error messages.
func describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "an RFC 3339 date-time such as 2015-03-27T16:20:00Z"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "an integer"
	case t.Kind() == reflect.Struct:
		return "an object"
	case t.Kind() == reflect.Slice:
		return "an array"
	}
	return t.String()
}

func tokenKind(tok json.Token) string {
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// value decodes one JSON value into v. Only a syntax error stops the
// walk; every other problem is noted, the value skipped and v left as it was.
func (w *walker) value(v reflect.Value, path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		elem := reflect.New(t.Elem())
		n := len(w.errs)
		if err := w.decodeToken(tok, elem.Elem(), path); err != nil {
			return err
		}
		if len(w.errs) == n || elem.Elem().Kind() == reflect.Struct {
			v.Set(elem)
		}
		return nil
	}
	return w.decodeToken(tok, v, path)
}

func (w *walker) decodeToken(tok json.Token, v reflect.Value, path string) error {
	t := v.Type()
	wrong := func() error {
		w.errs.add(path, "must be %s, not %s", describe(t), tokenKind(tok))
		return w.skip(tok)
	}
	switch {
	case t == timeType:
		s, ok := tok.(string)
		if !ok {
			return wrong()
		}
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			w.errs.add(path, "%q is not %s", s, describe(t))
			return nil
		}
		v.Set(reflect.ValueOf(tm))
	case t.Kind() == reflect.Struct:
		if tok != json.Delim('{') {
			return wrong()
		}
		return w.object(v, path)
	case t.Kind() == reflect.Slice:
		if tok != json.Delim('[') {
			return wrong()
		}
		s := reflect.MakeSlice(t, 0, 0)
		for i := 0; w.dec.More(); i++ {
			s = reflect.Append(s, reflect.Zero(t.Elem()))
			if err := w.value(s.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		v.Set(s)
		_, err := w.dec.Token() // ]
		return err
	case t.Kind() == reflect.String:
		s, ok := tok.(string)
		if !ok {
			return wrong()
		}
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		b, ok := tok.(bool)
		if !ok {
			return wrong()
		}
		v.SetBool(b)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return wrong()
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			w.errs.add(path, "must be a whole number, not %s", n)
			return nil
		}
		if v.OverflowInt(i) {
			w.errs.add(path, "%d is out of range", i)
			return nil
		}
		v.SetInt(i)
	default:
		// Only the model's own types come here; a new kind of field
		// must be taught to the walk before it is accepted.
		w.errs.add(path, "cannot be decoded (%s)", t)
		return w.skip(tok)
	}
	return nil
}

// object decodes the members of a JSON object, after its '{', into v.
func (w *walker) object(v reflect.Value, path string) error {
	fields := jsonFields(v.Type())
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		p := join(path, key)
		f, known := fields[key]
		switch {
		case !known:
			w.errs.add(p, "unknown field")
			if err := w.skipValue(); err != nil {
				return err
			}
			continue
		case seen[key]:
			w.errs.add(p, "appears more than once")
		}
		seen[key] = true
		if err := w.value(v.FieldByIndex(f.Index), p); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // }
	return err
}

// jsonFields maps the JSON names of a struct's fields to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

func (w *walker) skipValue() error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	return w.skip(tok)
}

// skip consumes the rest of a value whose first token was tok.
func (w *walker) skip(tok json.Token) error {
	if d, ok := tok.(json.Delim); !ok || (d != '{' && d != '[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}
