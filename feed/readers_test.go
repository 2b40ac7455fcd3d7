package feed_test

import (
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"

	"github.com/feedwright/feedwright/feed"
)

// TestReadersGetEverything parses every format with gofeed, the parser Go
// feed readers use, and checks that each piece of the demo article comes
// through: the 12 gallery images with their credits, the lead image, the
// video, authors, tags, dates, full content and the appeal.
func TestReadersGetEverything(t *testing.T) {
	in := demoInput(t)
	a := in.Articles[0]
	ap := in.Appeals[0]
	abs := func(p string) string { return "https://news.example.org" + p }
	gallery := a.Galleries[0].Images
	if len(gallery) != 12 {
		t.Fatalf("demo gallery has %d images, want 12", len(gallery))
	}

	for _, f := range feed.Formats {
		t.Run(string(f), func(t *testing.T) {
			body, err := feed.Render(in, f)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := gofeed.NewParser().ParseString(string(body))
			if err != nil {
				t.Fatalf("gofeed: %v", err)
			}
			if len(parsed.Items) != 1 {
				t.Fatalf("%d items, want 1", len(parsed.Items))
			}
			it := parsed.Items[0]

			if it.Title != a.Title {
				t.Errorf("title %q, want %q", it.Title, a.Title)
			}
			if it.Link != abs(a.URL) {
				t.Errorf("link %q, want %q", it.Link, abs(a.URL))
			}
			if it.GUID != a.GUID {
				t.Errorf("guid %q, want %q", it.GUID, a.GUID)
			}
			if len(it.Authors) != 1 || it.Authors[0].Name != "HuffPost Entertainment" {
				t.Errorf("authors %v, want HuffPost Entertainment", persons(it.Authors))
			}
			for _, c := range append([]string{a.Section}, a.Tags...) {
				if !slices.Contains(it.Categories, c) {
					t.Errorf("category %q missing from %q", c, it.Categories)
				}
			}
			if it.PublishedParsed == nil || !it.PublishedParsed.Equal(a.PublishedAt) {
				t.Errorf("published %v, want %v", it.PublishedParsed, a.PublishedAt)
			}
			if f != feed.RSS && (it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(a.UpdatedAt)) {
				t.Errorf("updated %v, want %v", it.UpdatedParsed, a.UpdatedAt)
			}
			if it.Description != a.Dek {
				t.Errorf("summary %q, want the dek %q", it.Description, a.Dek)
			}
			// gofeed takes no item image from Atom; there the lead is
			// the first enclosure, media:thumbnail and first <img>,
			// all checked below.
			if f != feed.Atom && (it.Image == nil || it.Image.URL != abs(a.Lead.URL)) {
				t.Errorf("item image %v, want the lead %s", it.Image, abs(a.Lead.URL))
			}

			// The content alone must be enough: body, lead, video,
			// every image with its credit, and the appeal.
			c := it.Content
			if !strings.Contains(c, "Rappers Killer Mike and El-P of Run The Jewels") {
				t.Errorf("content lacks the body")
			}
			// Clients that take the first <img> as the item's picture
			// must find the lead image; here it is also the video's
			// poster, so it links to the player.
			if first, _, _ := strings.Cut(c, ">"); first != "<figure" || !strings.Contains(c[:strings.Index(c, "</figure>")], `<img src="`+abs(a.Lead.URL)+`"`) {
				t.Errorf("content does not open with the lead image: %.120s", c)
			}
			if strings.Count(c, `<img src="`+abs(a.Lead.URL)+`"`) != 1 {
				t.Errorf("the lead image, which is the video's poster, appears %d times in the content", strings.Count(c, abs(a.Lead.URL)))
			}
			if !strings.Contains(c, `<a href="`+abs(a.Video.URL)+`"><img src="`+abs(a.Video.Poster.URL)+`"`) {
				t.Errorf("content lacks the video as a linked poster")
			}
			if strings.Contains(c, "<iframe") {
				t.Errorf("content embeds an iframe")
			}
			for i, img := range gallery {
				fig := fmt.Sprintf(`<figure><img src="%s" alt="%s" width="800" height="600"><figcaption><small>Illustration: %s</small></figcaption></figure>`,
					abs(img.URL), img.Alt, img.Credit)
				if !strings.Contains(c, fig) {
					t.Errorf("content lacks gallery image %d as %s", i+1, fig)
				}
			}
			campaign := feed.CampaignURL(abs(ap.URL), ap.Name, f)
			if !strings.Contains(c, "<h3>"+ap.Heading+"</h3>") || !strings.Contains(c, `href="`+html.EscapeString(campaign)+`"`) {
				t.Errorf("content lacks the appeal with its link %s", campaign)
			}
			source := map[feed.Format]string{feed.RSS: "rss", feed.Atom: "atom", feed.JSON: "jsonfeed"}[f]
			if !strings.Contains(campaign, "utm_source="+source) || !strings.Contains(campaign, "utm_campaign=2024-coverage") {
				t.Errorf("campaign URL %s lacks its parameters", campaign)
			}

			// Enclosures: RSS allows one (the lead); Atom and JSON list
			// the lead and all 12 images, with true sizes. The demo's
			// video is a watch page, not a file of known length, so it is
			// no enclosure (it is in the content and in Media RSS).
			wantEnc := []*gofeed.Enclosure{{URL: abs(a.Lead.URL), Type: "image/png", Length: fmt.Sprint(a.Lead.Length)}}
			if f != feed.RSS {
				for _, img := range gallery {
					wantEnc = append(wantEnc, &gofeed.Enclosure{URL: abs(img.URL), Type: img.MIMEType, Length: fmt.Sprint(img.Length)})
				}
			}
			if got, want := enclosures(it.Enclosures), enclosures(wantEnc); got != want {
				t.Errorf("enclosures:\n%s\nwant:\n%s", got, want)
			}
			for _, e := range it.Enclosures {
				if e.Length == "" || e.Length == "0" {
					t.Errorf("enclosure %s has no length", e.URL)
				}
			}

			switch f {
			case feed.RSS, feed.Atom:
				checkMediaRSS(t, it.Extensions, in)
			case feed.JSON:
				checkJSONExtension(t, body, in)
			}
		})
	}
}

func persons(ps []*gofeed.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func enclosures(es []*gofeed.Enclosure) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "%s %s %s\n", e.URL, e.Type, e.Length)
	}
	return b.String()
}

// checkMediaRSS checks the item's Media RSS: the lead as thumbnail and
// first media:content, the video, and one credited media:content per
// gallery image in a media:group.
func checkMediaRSS(t *testing.T, exts ext.Extensions, in feed.Input) {
	t.Helper()
	a := in.Articles[0]
	media := exts["media"]
	abs := func(p string) string { return "https://news.example.org" + p }
	if th := media["thumbnail"]; len(th) != 1 || th[0].Attrs["url"] != abs(a.Lead.URL) {
		t.Errorf("media:thumbnail %v, want the lead", th)
	}
	contents := media["content"]
	if len(contents) != 2 {
		t.Fatalf("%d item-level media:content, want the lead and the video", len(contents))
	}
	if contents[0].Attrs["url"] != abs(a.Lead.URL) || contents[0].Attrs["medium"] != "image" {
		t.Errorf("first media:content %v, want the lead image", contents[0].Attrs)
	}
	if credit := contents[0].Children["credit"]; len(credit) != 1 || credit[0].Value != "A.G. Rojas" || credit[0].Attrs["role"] != "director" {
		t.Errorf("lead credit %v", credit)
	}
	v := contents[1]
	if v.Attrs["medium"] != "video" || v.Attrs["url"] != abs(a.Video.URL) {
		t.Errorf("video media:content %v", v.Attrs)
	}
	if p := v.Children["player"]; len(p) != 1 || p[0].Attrs["url"] != abs(a.Video.URL) {
		t.Errorf("video media:player %v", p)
	}
	if th := v.Children["thumbnail"]; len(th) != 1 || th[0].Attrs["url"] != abs(a.Video.Poster.URL) {
		t.Errorf("video poster %v", th)
	}
	groups := media["group"]
	if len(groups) != 1 {
		t.Fatalf("%d media:group, want 1", len(groups))
	}
	imgs := groups[0].Children["content"]
	gallery := a.Galleries[0].Images
	if len(imgs) != len(gallery) {
		t.Fatalf("media:group has %d media:content, want %d", len(imgs), len(gallery))
	}
	for i, img := range gallery {
		m := imgs[i]
		want := map[string]string{
			"url": abs(img.URL), "type": "image/png", "medium": "image",
			"width": "800", "height": "600", "fileSize": fmt.Sprint(img.Length),
		}
		for k, v := range want {
			if m.Attrs[k] != v {
				t.Errorf("gallery image %d: %s=%q, want %q", i+1, k, m.Attrs[k], v)
			}
		}
		child := func(name string) ext.Extension {
			if c := m.Children[name]; len(c) == 1 {
				return c[0]
			}
			t.Errorf("gallery image %d: want one media:%s, have %v", i+1, name, m.Children[name])
			return ext.Extension{}
		}
		if c := child("credit"); c.Value != img.Credit || c.Attrs["role"] != "illustrator" {
			t.Errorf("gallery image %d: credit %q role %q, want %q illustrator", i+1, c.Value, c.Attrs["role"], img.Credit)
		}
		if c := child("title"); c.Value != img.Caption {
			t.Errorf("gallery image %d: title %q", i+1, c.Value)
		}
		if c := child("description"); c.Value != img.Alt {
			t.Errorf("gallery image %d: description %q", i+1, c.Value)
		}
		if c := child("thumbnail"); c.Attrs["url"] != abs(img.URL) {
			t.Errorf("gallery image %d: thumbnail %v", i+1, c.Attrs)
		}
	}
}

// checkJSONExtension checks what JSON Feed carries beyond gofeed's model:
// hubs, attachment titles, and the _feedwright objects.
func checkJSONExtension(t *testing.T, body []byte, in feed.Input) {
	t.Helper()
	var doc struct {
		Hubs []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
		Authors []any `json:"authors"`
		Ext     struct {
			Appeals []struct {
				Name string `json:"name"`
				URL  string `json:"url"`
			} `json:"appeals"`
		} `json:"_feedwright"`
		Items []struct {
			BannerImage string `json:"banner_image"`
			Attachments []struct {
				Title string `json:"title"`
				Size  int64  `json:"size_in_bytes"`
			} `json:"attachments"`
			Ext struct {
				Galleries []struct {
					Images []struct {
						Order      int    `json:"order"`
						Credit     string `json:"credit"`
						CreditRole string `json:"credit_role"`
						Caption    string `json:"caption"`
						Width      int    `json:"width"`
						Height     int    `json:"height"`
					} `json:"images"`
				} `json:"galleries"`
				Appeal struct {
					Name string `json:"name"`
				} `json:"appeal"`
			} `json:"_feedwright"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hubs) != 1 || doc.Hubs[0].Type != "WebSub" || doc.Hubs[0].URL != "https://hub.example.org/" {
		t.Errorf("hubs %+v", doc.Hubs)
	}
	if doc.Authors != nil {
		t.Errorf("feed-level authors %v although every item has its own", doc.Authors)
	}
	if len(doc.Ext.Appeals) != 1 || doc.Ext.Appeals[0].Name != "2024-coverage" || !strings.Contains(doc.Ext.Appeals[0].URL, "utm_source=jsonfeed") {
		t.Errorf("feed appeals %+v", doc.Ext.Appeals)
	}
	it := doc.Items[0]
	if it.BannerImage == "" {
		t.Errorf("no banner_image")
	}
	if it.Ext.Appeal.Name != "2024-coverage" {
		t.Errorf("item appeal %+v", it.Ext.Appeal)
	}
	gallery := in.Articles[0].Galleries[0].Images
	if len(it.Ext.Galleries) != 1 || len(it.Ext.Galleries[0].Images) != len(gallery) {
		t.Fatalf("_feedwright.galleries %+v", it.Ext.Galleries)
	}
	for i, img := range it.Ext.Galleries[0].Images {
		if img.Order != i+1 || img.Credit != gallery[i].Credit || img.CreditRole != "illustrator" || img.Width != 800 || img.Height != 600 {
			t.Errorf("gallery image %d: %+v", i+1, img)
		}
		if att := it.Attachments[i+1]; att.Title != gallery[i].Caption || att.Size != gallery[i].Length {
			t.Errorf("attachment %d: %+v", i+2, att)
		}
	}
}

// TestFeedLevelAppealAndHubs checks what the feeds advertise about
// themselves: hubs, and the appeal as podcast:funding and rel="payment".
func TestFeedLevelAppealAndHubs(t *testing.T) {
	in := demoInput(t)
	rssBody, err := feed.Render(in, feed.RSS)
	if err != nil {
		t.Fatal(err)
	}
	rf, err := (&rss.Parser{}).Parse(strings.NewReader(string(rssBody)))
	if err != nil {
		t.Fatal(err)
	}
	funding := rf.Extensions["podcast"]["funding"]
	if len(funding) != 1 || funding[0].Value != "Support HuffPost" ||
		funding[0].Attrs["url"] != "https://news.example.org/demo/support?utm_campaign=2024-coverage&utm_medium=feed&utm_source=rss" {
		t.Errorf("podcast:funding %+v", funding)
	}
	if got := atomLinks(rf.Extensions["atom"]["link"]); got != "self https://news.example.org/feeds/entertainment.rss\nhub https://hub.example.org/\n" {
		t.Errorf("RSS atom:link:\n%s", got)
	}
	if rf.TTL != "15" || rf.Extensions["sy"]["updatePeriod"][0].Value != "hourly" || rf.Extensions["sy"]["updateFrequency"][0].Value != "4" {
		t.Errorf("ttl %q, sy %v", rf.TTL, rf.Extensions["sy"])
	}

	atomBody, err := feed.Render(in, feed.Atom)
	if err != nil {
		t.Fatal(err)
	}
	af, err := (&atom.Parser{}).Parse(strings.NewReader(string(atomBody)))
	if err != nil {
		t.Fatal(err)
	}
	var links strings.Builder
	for _, l := range af.Links {
		fmt.Fprintf(&links, "%s %s\n", l.Rel, l.Href)
	}
	want := "self https://news.example.org/feeds/entertainment.atom\n" +
		"alternate https://news.example.org/\n" +
		"hub https://hub.example.org/\n" +
		"payment https://news.example.org/demo/support?utm_campaign=2024-coverage&utm_medium=feed&utm_source=atom\n"
	if links.String() != want {
		t.Errorf("Atom links:\n%s\nwant:\n%s", links.String(), want)
	}
}

func atomLinks(ls []ext.Extension) string {
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "%s %s\n", l.Attrs["rel"], l.Attrs["href"])
	}
	return b.String()
}
