package feed_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/feedwright/feedwright/feed"
)

// FuzzRender puts arbitrary strings into every text field of an article,
// its gallery, video, authors and the appeal, and checks that every format
// stays well-formed (strict encoding/xml) or valid JSON and still holds
// both items.
func FuzzRender(f *testing.F) {
	// Huge, but not so huge that a fuzzing worker (instrumented, and the
	// string copied into dozens of fields) times out on it.
	huge := strings.Repeat("huge ]]> \x00 <b>&amp;</b> \xed\xa0\x80", 1<<11)
	seeds := [][4]string{
		{"plain", "text", "<p>body</p>", "/rel/url"},
		{"ctl\x00\x01\x08\x0b\x0c\x1b\x7f\u0085", "\x1f", "<p>\x00</p>", "\x00"},
		{"lone \xed\xa0\x80 surrogate \xed\xbf\xbf", "bad \xff\xfe\xc0\x80", "\xed\xb0\x80", "http://x/\xed\xa0\x80"},
		{"]]>", "]]]]><![CDATA[>", "<p>]]></p><![CDATA[x]]>", "/a]]>b"},
		{"<b>\"quoted\" it's &amp; &#34;</b>", "&lt;", "<a href='/x'>x</a><img src=p.png srcset='a 1x, b 2x'>", "javascript:alert(1)"},
		{"\uFFFE\uFFFF\U0010FFFF", "\r\n\t", "<script>]]></script>", "%zz"},
		{huge[:1<<14], "x", huge, "/x"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		in := fuzzInput(a, b, c, d)
		for _, format := range feed.Formats {
			out, err := feed.Render(in, format)
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			var n int
			if format == feed.JSON {
				var doc struct {
					Items []json.RawMessage `json:"items"`
				}
				if err := json.Unmarshal(out, &doc); err != nil {
					t.Fatalf("JSON: %v", err)
				}
				n = len(doc.Items)
			} else {
				n, err = countXMLItems(out)
				if err != nil {
					t.Fatalf("%s: not well-formed: %v", format, err)
				}
			}
			if n != len(in.Articles) {
				t.Fatalf("%s: %d items, want %d", format, n, len(in.Articles))
			}
		}
	})
}

func fuzzInput(a, b, c, d string) feed.Input {
	img := feed.Image{URL: d, MIMEType: a, Width: 1, Height: 1, Length: 1, Alt: b, Caption: a, Credit: b, CreditRole: c}
	art := feed.Article{
		GUID: a, Slug: b, URL: d, Title: a, Dek: b, BodyHTML: c, Section: a,
		Tags:        []string{a, b, c},
		Authors:     []feed.Author{{Name: a, Email: b, URL: d}, {Name: b}},
		Lead:        &img,
		Video:       &feed.Video{URL: d, Title: a, MIMEType: b, Poster: &img},
		Galleries:   []feed.Gallery{{Title: c, Images: []feed.Image{img, img}}},
		Status:      feed.StatusPublished,
		PublishedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	other := art
	other.GUID, other.Title = "urn:uuid:2", "second"
	return feed.Input{
		Site: feed.Site{Title: a, Description: b, URL: d, BaseURL: "https://news.example.org", Language: b,
			Icon: d, Logo: d, Rights: c, Hubs: []string{d}, TTL: time.Minute},
		Feed:     feed.Definition{Name: a, Title: b, Description: c},
		Articles: []feed.Article{art, other},
		Appeals:  []feed.Appeal{{Name: a, Heading: b, Text: c, ButtonLabel: a, URL: d}},
		Now:      time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		Page:     feed.Page{Number: 1, Last: 2},
	}
}

// countXMLItems parses b strictly and counts its RSS items or Atom entries.
func countXMLItems(b []byte) (int, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "item" || se.Name.Local == "entry") {
			n++
		}
	}
}
