package feed_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/feedwright/feedwright/feed"
)

// hostileArticle has every kind of text a document must survive: markup
// in the title, characters XML forbids, invalid UTF-8, a UTF-8-encoded
// lone surrogate, "]]>", relative URLs and a GUID that is no URI.
func hostileArticle() feed.Article {
	return feed.Article{
		GUID:  "plain guid 42",
		Slug:  "hostile",
		URL:   "/articles/hostile",
		Title: "<b>Tom & \"Jerry\"</b> it's\x00\x1b\x7f\u0085 done",
		Dek:   "a < b & c ]]> d\x0c",
		BodyHTML: `<p>One ]]> two</p><p><a href="/x?a=1&amp;b=2">x</a> <img src="pic.png" srcset="a.png 1x, /b.png 2x" alt=""></p>` +
			"\xff\xfe bad \xed\xa0\x80 surrogate \uFFFE nonchar",
		Section: "Entertainment",
		Tags:    []string{"ta\x01g", "]]>", "two\n lines"},
		Authors: []feed.Author{{Name: "O'Brien \x01"}, {Name: "Ann & Bob"}},
		Lead:    &feed.Image{URL: "lead.png", MIMEType: "image/png", Width: 10, Height: 10, Length: 99, Caption: "cap ]]> \x02", Credit: "Me\x08"},
		Galleries: []feed.Gallery{{Title: "G\x03", Images: []feed.Image{
			{URL: "/g/1.png", MIMEType: "image/png", Width: 1, Height: 1, Length: 1, Caption: `say "hi"`, Credit: "It's me", CreditRole: "Artist"},
		}}},
		Video:       &feed.Video{URL: "v.mp4", MIMEType: "video/mp4", Length: 1234, DurationSeconds: 61, Title: "V ]]>"},
		Status:      feed.StatusPublished,
		PublishedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("EDT", -4*3600)),
	}
}

// variants are the inputs every validator sees.
func variants(t *testing.T) map[string]feed.Input {
	demoIn := demoInput(t)
	v := map[string]feed.Input{"demo": demoIn}

	paged := demoInput(t)
	paged.Page = feed.Page{Number: 2, Last: 3}
	v["paged"] = paged

	plain := demoInput(t)
	a := plain.Articles[0]
	a.Authors, a.Lead, a.Video, a.Galleries, a.Dek = nil, nil, nil, nil, ""
	plain.Articles = []feed.Article{a}
	plain.Appeals = nil
	plain.Site.Hubs = nil
	v["plain"] = plain

	empty := demoInput(t)
	empty.Articles = nil
	v["empty"] = empty

	hostile := demoInput(t)
	hostile.Articles = append([]feed.Article{hostileArticle()}, hostile.Articles...)
	hostile.Appeals[0].Text = "Give ]]> now\x00"
	v["hostile"] = hostile
	return v
}

// requireTool finds a system tool; CI installs it (.ci/run), so there its
// absence fails the test instead of skipping it.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run installs it", name)
		}
		t.Skipf("%s is not installed (apt-get install %s)", name, name)
	}
	return p
}

// TestAtomValidatesAgainstRFC4287 runs jing with the RFC 4287 RELAX NG
// schema over every variant, then checks the rules the RFC states in
// Schematron, which RELAX NG cannot express.
func TestAtomValidatesAgainstRFC4287(t *testing.T) {
	jing := requireTool(t, "jing")
	dir := t.TempDir()
	var files []string
	docs := map[string][]byte{}
	for name, in := range variants(t) {
		b, err := feed.Render(in, feed.Atom)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".atom")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
		docs[name] = b
	}
	// The schema must be able to fail: a document without its updated
	// element is not Atom.
	broken := bytes.Replace(docs["demo"], []byte("<updated>2024-01-02T00:00:00Z</updated>"), nil, 1)
	bp := filepath.Join(dir, "broken.atom")
	if err := os.WriteFile(bp, broken, 0o644); err != nil {
		t.Fatal(err)
	}

	schema := filepath.Join("testdata", "atom.rnc")
	out, err := exec.Command(jing, append([]string{"-c", schema}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("jing: %v\n%s", err, jingErrors(out))
	}
	if out, err := exec.Command(jing, "-c", schema, bp).CombinedOutput(); err == nil {
		t.Errorf("jing accepted a feed without updated:\n%s", out)
	}

	for name, b := range docs {
		checkAtomRules(t, name, b)
	}
}

// jingErrors drops the Debian wrapper's classpath warnings.
func jingErrors(out []byte) string {
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(l, "[warning]") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// checkAtomRules checks RFC 4287's constraints that the RELAX NG schema
// leaves to Schematron: a feed author unless every entry has one, at most
// one alternate link per type, content or an alternate link in every
// entry, and an IRI as every id.
func checkAtomRules(t *testing.T, name string, b []byte) {
	t.Helper()
	type link struct {
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr"`
	}
	type entry struct {
		ID      string   `xml:"id"`
		Authors []string `xml:"author>name"`
		Links   []link   `xml:"link"`
		Content *string  `xml:"content"`
	}
	var f struct {
		ID      string   `xml:"id"`
		Authors []string `xml:"author>name"`
		Links   []link   `xml:"link"`
		Entries []entry  `xml:"entry"`
	}
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	everyEntryHasAuthor := len(f.Entries) > 0
	for i, e := range f.Entries {
		if len(e.Authors) == 0 {
			everyEntryHasAuthor = false
		}
		alt := map[string]int{}
		for _, l := range e.Links {
			if l.Rel == "alternate" || l.Rel == "" {
				alt[l.Type]++
			}
		}
		for typ, n := range alt {
			if n > 1 {
				t.Errorf("%s: entry %d has %d alternate links of type %q", name, i+1, n, typ)
			}
		}
		if e.Content == nil && len(alt) == 0 {
			t.Errorf("%s: entry %d has neither content nor an alternate link", name, i+1)
		}
		if !strings.Contains(e.ID, ":") || strings.ContainsAny(e.ID, " <>\"") {
			t.Errorf("%s: entry %d id %q is not an IRI", name, i+1, e.ID)
		}
	}
	if len(f.Authors) == 0 && !everyEntryHasAuthor {
		t.Errorf("%s: no feed author, and not every entry has one", name)
	}
	if len(f.Authors) > 0 && everyEntryHasAuthor {
		t.Errorf("%s: a feed author although every entry has its own", name)
	}
	self := 0
	for _, l := range f.Links {
		if l.Rel == "self" {
			self++
		}
	}
	if self != 1 {
		t.Errorf("%s: %d self links", name, self)
	}
}

// TestJSONFeedValidatesAgainstSchema checks every variant against the JSON
// Feed 1.1 schema in testdata, formats (absolute URIs, RFC 3339 dates)
// asserted.
func TestJSONFeedValidatesAgainstSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile(filepath.Join("testdata", "jsonfeed-1.1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	validate := func(name string, b []byte) error {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return err
		}
		return schema.Validate(doc)
	}
	for name, in := range variants(t) {
		b, err := feed.Render(in, feed.JSON)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(name, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The schema must be able to fail: gorilla/feeds' "banner_" key, a
	// relative URL and a missing items array are each rejected.
	good, _ := feed.Render(demoInput(t), feed.JSON)
	for what, bad := range map[string][]byte{
		"banner_":      bytes.Replace(good, []byte(`"banner_image"`), []byte(`"banner_"`), 1),
		"relative url": bytes.Replace(good, []byte(`"https://news.example.org/articles/close-your-eyes"`), []byte(`"/articles/close-your-eyes"`), 1),
		"no items":     bytes.Replace(good, []byte(`"items"`), []byte(`"_items"`), 1),
	} {
		var v any
		if err := json.Unmarshal(bad, &v); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := validate(what, bad); err == nil {
			t.Errorf("schema accepted a feed with %s", what)
		}
	}
}
