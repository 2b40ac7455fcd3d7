package feed

import (
	"net/url"
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"tab\tnew\nline\r", "tab\tnew\nline\r"},
		{"nul\x00 esc\x1b bell\x07", "nul esc bell"},
		{"del\x7f c1\u0085\u009f", "del c1"},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{"surrogate \xed\xa0\x80!", "surrogate \uFFFD!"},
		{"nonchars \uFFFE\uFFFF", "nonchars "},
		{"emoji 🎨 and ]]> stay", "emoji 🎨 and ]]> stay"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAbsoluteHTML(t *testing.T) {
	base, _ := url.Parse("https://news.example.org/articles/a")
	tests := []struct{ name, in, want string }{
		{"root-relative link", `<a href="/x">x</a>`, `<a href="https://news.example.org/x">x</a>`},
		{"relative image", `<img src="p.png" alt="">`, `<img src="https://news.example.org/articles/p.png" alt="">`},
		{"srcset", `<img srcset="a.png 1x, /b.png 2x">`, `<img srcset="https://news.example.org/articles/a.png 1x, https://news.example.org/b.png 2x">`},
		{"absolute untouched", `<a HREF='https://other.example/'>o</a>`, `<a HREF='https://other.example/'>o</a>`},
		{"fragment", `<a href="#note">n</a>`, `<a href="https://news.example.org/articles/a#note">n</a>`},
		{"mailto untouched", `<a href="mailto:a@b.c">m</a>`, `<a href="mailto:a@b.c">m</a>`},
		{"text with =", `<p>1 + 1 = 2</p>`, `<p>1 + 1 = 2</p>`},
		{"entities kept", `<p>Tom &amp; Jerry</p><a href="/q?a=1&amp;b=2">q</a>`, `<p>Tom &amp; Jerry</p><a href="https://news.example.org/q?a=1&amp;b=2">q</a>`},
		{"unfinished tag kept", `<p>x</p><a href="/y`, `<p>x</p><a href="/y`},
	}
	for _, tt := range tests {
		if got := AbsoluteHTML(base, tt.in); got != tt.want {
			t.Errorf("%s: AbsoluteHTML(%q)\n got %q\nwant %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"<p>Hello <b>world</b></p>", 100, "Hello world"},
		{"<p>a</p><script>alert(1)</script><p>b</p>", 100, "a b"},
		{"<p>one two three four five</p>", 12, "one two…"},
		{"<p>Tom &amp; Jerry</p>", 100, "Tom & Jerry"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in, tt.limit); got != tt.want {
			t.Errorf("PlainText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestCampaignURL(t *testing.T) {
	got := CampaignURL("https://give.example/?ref=home#top", "spring", JSON)
	want := "https://give.example/?ref=home&utm_campaign=spring&utm_medium=feed&utm_source=jsonfeed#top"
	if got != want {
		t.Errorf("CampaignURL = %q, want %q", got, want)
	}
}

func TestNamedRefs(t *testing.T) {
	in := `<a t="say &#34;hi&#34; it&#39;s">x</a><b><![CDATA[keep &#34; ]]]]><![CDATA[> &#39;]]></b><c t="&#34;"/>`
	want := `<a t="say &quot;hi&quot; it&apos;s">x</a><b><![CDATA[keep &#34; ]]]]><![CDATA[> &#39;]]></b><c t="&quot;"/>`
	if got := string(namedRefs([]byte(in))); got != want {
		t.Errorf("namedRefs\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(string(namedRefs([]byte("<![CDATA[unterminated &#34;"))), "&#34;") {
		t.Errorf("namedRefs changed an unterminated CDATA section")
	}
}

func TestItemFilesUniqueTitles(t *testing.T) {
	base, _ := url.Parse("https://news.example.org/a")
	img := func(u, caption string) Image { return Image{URL: u, MIMEType: "image/png", Caption: caption} }
	a := &Article{
		Lead: &Image{URL: "/1.png", MIMEType: "image/png", Caption: "Same"},
		Galleries: []Gallery{{Images: []Image{
			img("/1.png", "Same"), // the lead again: listed once
			img("/2.png", "Same"),
			img("/3.png", "Same"),
			img("/4.png", ""),
		}}},
	}
	var got []string
	for _, f := range itemFiles(base, a) {
		got = append(got, f.URL+" "+f.Title)
	}
	want := []string{
		"https://news.example.org/1.png Same",
		"https://news.example.org/2.png Same (2)",
		"https://news.example.org/3.png Same (3)",
		"https://news.example.org/4.png ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("itemFiles:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
