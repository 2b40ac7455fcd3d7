package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/feedwright/feedwright/demo"
	"github.com/feedwright/feedwright/feed"
)

// goodArticle is a valid article record; cases change one thing in it.
func goodArticle() map[string]any {
	img := func(n string) map[string]any {
		return map[string]any{"url": "https://cdn.example.com/" + n + ".jpg", "mime_type": "image/jpeg",
			"width": 800, "height": 600, "size_in_bytes": 12345, "credit": "Ann Artist"}
	}
	return map[string]any{
		"slug": "close-your-eyes", "url": "https://news.example.com/close-your-eyes", "title": "Close Your Eyes",
		"body_html": "<p>Hello</p>", "status": "published", "published_at": "2015-03-27T16:20:00Z",
		"authors":    []any{map[string]any{"name": "HuffPost Entertainment", "email": "ent@example.com"}},
		"lead_image": img("lead"),
		"galleries": []any{map[string]any{"title": "Book", "images": []any{
			img("1"), img("2"), img("3"), img("4"),
		}}},
	}
}

func fields(err error) []string {
	var errs Errors
	if !errors.As(err, &errs) {
		return nil
	}
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Field
	}
	return out
}

func TestDecodeArticleErrors(t *testing.T) {
	gallery := func(m map[string]any) []any { return m["galleries"].([]any)[0].(map[string]any)["images"].([]any) }
	image := func(m map[string]any, i int) map[string]any { return gallery(m)[i].(map[string]any) }
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   []string // the fields named in the errors, in order
		detail string   // a part of the first error's detail
	}{
		{"valid", func(map[string]any) {}, nil, ""},
		{"unknown field", func(m map[string]any) { m["subtitle"] = "x" }, []string{"subtitle"}, "unknown field"},
		{"unknown nested field", func(m map[string]any) { image(m, 3)["colour"] = "red" },
			[]string{"galleries[0].images[3].colour"}, "unknown field"},
		{"wrong type", func(m map[string]any) { image(m, 3)["width"] = "800" },
			[]string{"galleries[0].images[3].width"}, "must be an integer, not a string"},
		{"fraction", func(m map[string]any) { image(m, 1)["height"] = 600.5 },
			[]string{"galleries[0].images[1].height"}, "whole number"},
		{"tags not an array", func(m map[string]any) { m["tags"] = "music" }, []string{"tags"}, "must be an array"},
		{"missing required", func(m map[string]any) { delete(m, "title"); delete(m, "url") },
			[]string{"url", "title"}, "is required"},
		{"relative url", func(m map[string]any) { image(m, 3)["url"] = "/media/3.jpg" },
			[]string{"galleries[0].images[3].url"}, "absolute http or https"},
		{"ftp url", func(m map[string]any) { m["url"] = "ftp://example.com/a" }, []string{"url"}, "absolute http or https"},
		{"javascript url", func(m map[string]any) { m["authors"].([]any)[0].(map[string]any)["url"] = "javascript:alert(1)" },
			[]string{"authors[0].url"}, "absolute http or https"},
		{"non-image mime type", func(m map[string]any) { image(m, 3)["mime_type"] = "application/pdf" },
			[]string{"galleries[0].images[3].mime_type"}, "image type"},
		{"bad date", func(m map[string]any) { m["published_at"] = "27 March 2015" },
			[]string{"published_at"}, "RFC 3339"},
		{"date without zone", func(m map[string]any) { m["updated_at"] = "2015-03-27T16:20:00" },
			[]string{"updated_at"}, "RFC 3339"},
		{"published without date", func(m map[string]any) { delete(m, "published_at") },
			[]string{"published_at"}, "required when status is published"},
		{"bad status", func(m map[string]any) { m["status"] = "live" }, []string{"status"}, "draft, published or retracted"},
		{"duplicate gallery position", func(m map[string]any) { image(m, 2)["url"] = image(m, 0)["url"] },
			[]string{"galleries[0].images[2].url"}, "repeats position 1"},
		{"oversized title", func(m map[string]any) { m["title"] = strings.Repeat("x", MaxTitle+1) },
			[]string{"title"}, "the limit is 500"},
		{"oversized body", func(m map[string]any) { m["body_html"] = strings.Repeat("x", MaxBodyHTML+1) },
			[]string{"body_html"}, "the limit is"},
		{"too many tags", func(m map[string]any) {
			tags := []any{}
			for i := range MaxTags + 1 {
				tags = append(tags, "t"+strings.Repeat("x", i))
			}
			m["tags"] = tags
		}, []string{"tags"}, "limit is 50"},
		{"missing size", func(m map[string]any) { delete(m["lead_image"].(map[string]any), "size_in_bytes") },
			[]string{"lead_image.size_in_bytes"}, "is required"},
		{"bad slug", func(m map[string]any) { m["slug"] = "close your eyes" }, []string{"slug"}, "characters"},
		{"bad email", func(m map[string]any) { m["authors"].([]any)[0].(map[string]any)["email"] = "Ann <a@b.c>" },
			[]string{"authors[0].email"}, "bare e-mail"},
		{"several at once", func(m map[string]any) {
			image(m, 3)["url"] = "media/3.jpg"
			image(m, 0)["width"] = true
			m["extra"] = 1
		}, []string{"extra", "galleries[0].images[0].width", "galleries[0].images[3].url"}, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodArticle()
			tt.change(m)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			a, err := DecodeArticle(b, "")
			if got := fields(err); !slices.Equal(got, tt.want) {
				t.Fatalf("error fields = %q, want %q (err: %v)", got, tt.want, err)
			}
			if tt.want == nil {
				if a.Slug != "close-your-eyes" || len(a.Galleries[0].Images) != 4 || a.Galleries[0].Images[3].Width != 800 {
					t.Errorf("decoded article lost data: %+v", a)
				}
				return
			}
			if d := err.(Errors)[0].Detail; !strings.Contains(d, tt.detail) {
				t.Errorf("first detail = %q, want it to mention %q", d, tt.detail)
			}
		})
	}
}

func TestDecodeSyntax(t *testing.T) {
	tests := []struct {
		name, in  string
		line, col int
		msg       string
	}{
		{"trailing data", `{"slug":"a"} {"slug":"b"}`, 1, 14, "after the JSON value"},
		{"truncated", "{\n\"slug\": \"a\",\n", 3, 1, "end of input"},
		{"garbage", "{\n  \"slug\": nope}", 2, 12, "invalid character"},
		{"empty", "", 1, 1, "end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a feed.Article
			err := Decode([]byte(tt.in), &a)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *SyntaxError", err, err)
			}
			if se.Line != tt.line || se.Column != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("got %d:%d %q, want %d:%d containing %q", se.Line, se.Column, se.Msg, tt.line, tt.col, tt.msg)
			}
		})
	}
}

func TestDecodeRejectsRepeatsAndCase(t *testing.T) {
	var a feed.Article
	err := Decode([]byte(`{"slug":"a","slug":"b","Title":"x"}`), &a)
	if got := fields(err); !slices.Equal(got, []string{"slug", "Title"}) {
		t.Fatalf("fields = %q, want [slug Title]", got)
	}
	if a.Slug != "" {
		t.Errorf("Decode wrote %q into the article despite errors", a.Slug)
	}
}

func TestDecodeDemoArticle(t *testing.T) {
	// The demo article is the README's example of the representation;
	// it must decode strictly (its relative URLs are its only fault).
	b := []byte(`{"slug":"s","url":"https://e.com/s","title":"T","status":"draft","revision":7,
		"video":{"url":"https://www.youtube.com/watch?v=x","poster":{"url":"https://e.com/p.png","mime_type":"image/png",
		"width":1,"height":1,"size_in_bytes":1}}}`)
	a, err := DecodeArticle(b, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Revision != 0 {
		t.Errorf("revision %d came through; the store gives revisions", a.Revision)
	}
	if a.Video == nil || a.Video.Poster == nil || a.Video.Poster.Width != 1 {
		t.Errorf("video lost: %+v", a.Video)
	}
}

func TestAppealErrors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`{"name":"2024","heading":"H","button_label":"Give","url":"https://e.com/give"}`, nil},
		{`{"name":"2024","heading":"H","button_label":"Give","url":"/give"}`, []string{"url"}},
		{`{"name":"2024","heading":"","button_label":"Give","url":"https://e.com","starts_at":"2024-02-01T00:00:00Z","ends_at":"2024-01-01T00:00:00Z"}`,
			[]string{"heading", "ends_at"}},
		{`{"name":"2024","heading":"H","button_label":"Give","url":"https://e.com","sections":["A","A"],"colour":1}`,
			[]string{"colour", "sections[1]"}},
	}
	for _, tt := range tests {
		_, err := DecodeAppeal([]byte(tt.in), "")
		if got := fields(err); !slices.Equal(got, tt.want) {
			t.Errorf("%s: fields = %q, want %q (%v)", tt.in, got, tt.want, err)
		}
	}
}

func TestSanitizeHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"prose kept", `<p>A <em>b</em> “c” <a href="https://e.com/x">d</a></p><blockquote><p>q</p></blockquote>`,
			`<p>A <em>b</em> “c” <a href="https://e.com/x">d</a></p><blockquote><p>q</p></blockquote>`},
		{"script removed", `<p>a</p><script>alert(1)</script><p>b</p>`, `<p>a</p><p>b</p>`},
		{"event handler removed", `<p onclick="alert(1)">a</p><img src="https://e.com/i.png" onerror="x()" alt="i">`,
			`<p>a</p><img src="https://e.com/i.png" alt="i">`},
		{"styles removed", `<style>p{color:red}</style><p style="color:red" class="x">a</p>`, `<p>a</p>`},
		{"javascript link removed", `<a href="javascript:alert(1)">a</a>`, `a`},
		{"youtube iframe becomes link", `<p><iframe width="560" src="https://www.youtube.com/embed/yy6lw_YWq4U" title="Close Your Eyes"></iframe></p>`,
			`<p><a href="https://www.youtube.com/watch?v=yy6lw_YWq4U">Close Your Eyes (YouTube)</a></p>`},
		{"nocookie iframe becomes link", `<iframe src="//www.youtube-nocookie.com/embed/abcdefg?rel=0"></iframe>`,
			`<a href="https://www.youtube.com/watch?v=abcdefg">Watch the video on YouTube</a>`},
		{"vimeo iframe becomes link", `<IFRAME SRC="https://player.vimeo.com/video/123456"></IFRAME>`,
			`<a href="https://vimeo.com/123456">Watch the video on Vimeo</a>`},
		{"text keeps quotes, escapes markup", `<p>It's "here" &amp; 1 &lt; 2&nbsp;&#8212; <b title="a&quot;b">x</b></p>`,
			`<p>It's "here" &amp; 1 &lt; 2&nbsp;— <b>x</b></p>`},
		{"unknown iframe removed", `<p>a<iframe src="https://evil.example.com/x"></iframe>b</p>`, `<p>ab</p>`},
		// Without its src an image shows nothing; e-mail tools need a
		// real one, so the whole tag goes.
		{"image without a usable src removed", `<p>a<img src="data:image/png;base64,AAAA" alt="d">b<img alt="none"><img src="https://e.com/i.png" alt="i"></p>`,
			`<p>ab<img src="https://e.com/i.png" alt="i"></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTML(tt.in)
			if got != tt.want {
				t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := SanitizeHTML(got); again != got {
				t.Errorf("not idempotent: %q became %q", got, again)
			}
		})
	}
}

func FuzzDecodeArticle(f *testing.F) {
	b, _ := json.Marshal(goodArticle())
	f.Add(b)
	f.Add([]byte(`{"galleries":[{"images":[{"width":"x"}]}]}`))
	f.Add([]byte(`[1,{"a":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Whatever the strict decoder takes, encoding/json with unknown
		// fields refused takes too, and reads the same article from it.
		var strict feed.Article
		if Decode(data, &strict) == nil {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			var std feed.Article
			if err := dec.Decode(&std); err != nil {
				t.Fatalf("Decode took what encoding/json refuses (%v): %q", err, data)
			}
			if !reflect.DeepEqual(strict, std) {
				t.Fatalf("Decode and encoding/json disagree on %q:\n%+v\n%+v", data, strict, std)
			}
		}
		a, err := DecodeArticle(data, "")
		if err != nil {
			return
		}
		// Whatever passes must be stored as sanitised, stable HTML.
		if SanitizeHTML(a.BodyHTML) != a.BodyHTML {
			t.Errorf("body not stable after cleaning: %q", a.BodyHTML)
		}
	})
}

func TestDecodeWithURLName(t *testing.T) {
	a, err := DecodeArticle([]byte(`{"url":"https://e.com/a","title":"T","status":"draft"}`), "from-url")
	if err != nil || a.Slug != "from-url" {
		t.Fatalf("slug from the URL: %q, %v", a.Slug, err)
	}
	_, err = DecodeArticle([]byte(`{"slug":"other","url":"https://e.com/a","title":"T","status":"draft"}`), "from-url")
	if got := fields(err); !slices.Equal(got, []string{"slug"}) {
		t.Fatalf("mismatched slug: fields %q (%v)", got, err)
	}
	ap, err := DecodeAppeal([]byte(`{"heading":"H","button_label":"B","url":"https://e.com"}`), "spring")
	if err != nil || ap.Name != "spring" {
		t.Fatalf("appeal name from the URL: %q, %v", ap.Name, err)
	}
}

// The README's example of the representation is the demo article; it must
// be a record the API and the import take.
func TestReadmeExampleIsValid(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### The JSON representation")
	if !ok {
		t.Fatal("README has no section on the JSON representation")
	}
	_, rest, _ = strings.Cut(rest, "```json\n")
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README's representation section has no JSON example")
	}
	a, err := DecodeArticle([]byte(example), "")
	if err != nil {
		t.Fatalf("the README's example is refused: %v", err)
	}
	// Apart from its absolute URLs, its abbreviated body and its gallery
	// cut to one image, it is the demo article as the demo ships it.
	want, err := demo.Article()
	if err != nil {
		t.Fatal(err)
	}
	want.BodyHTML = a.BodyHTML
	want.Galleries[0].Images = want.Galleries[0].Images[:1]
	rel := func(u *string) { *u = strings.TrimPrefix(*u, "http://127.0.0.1:8080") }
	rel(&a.URL)
	rel(&a.Lead.URL)
	rel(&a.Video.URL)
	rel(&a.Video.Poster.URL)
	rel(&a.Galleries[0].Images[0].URL)
	if !reflect.DeepEqual(a, want) {
		t.Errorf("the README's example differs from demo/article.json:\n%+v\nwant\n%+v", a, want)
	}
}
