package feed

import (
	"fmt"
	"net/url"
	"strings"
)

// The donation appeal's real carrier is the HTML block at the end of each
// item it applies to: news readers ignore the feed-level funding tags
// (podcast:funding, rel="payment", the JSON extension), which only podcast
// apps honour. Both are rendered from the same appeals, and an appeal that
// is not running leaves no trace in any document.

// writeAppeal appends the appeal block, its link tagged for format f.
func writeAppeal(b *strings.Builder, base *url.URL, ap *Appeal, f Format) {
	b.WriteString("<hr>\n<aside>")
	if ap.Heading != "" {
		fmt.Fprintf(b, "<h3>%s</h3>", escapeHTMLText(ap.Heading))
	}
	for _, para := range strings.Split(ap.Text, "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			fmt.Fprintf(b, "\n<p>%s</p>", escapeHTMLText(para))
		}
	}
	fmt.Fprintf(b, "\n<p><a href=\"%s\"><strong>%s</strong></a></p></aside>\n",
		escapeHTMLAttr(appealURL(base, ap, f)), escapeHTMLText(appealLabel(ap)))
}

func appealLabel(ap *Appeal) string {
	if ap.ButtonLabel != "" {
		return ap.ButtonLabel
	}
	if ap.Heading != "" {
		return ap.Heading
	}
	return ap.URL
}

// appealURL is the appeal's absolute link with the campaign parameters of
// format f.
func appealURL(base *url.URL, ap *Appeal, f Format) string {
	return CampaignURL(Resolve(base, ap.URL), ap.Name, f)
}

// CampaignURL adds the campaign parameters that tell the publisher's
// analytics which format a donation came through:
// utm_source=rss|atom|jsonfeed, utm_medium=feed, utm_campaign=<campaign>.
// Parameters already on the URL are kept.
func CampaignURL(raw, campaign string, f Format) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set("utm_source", campaignSource(f))
	q.Set("utm_medium", "feed")
	q.Set("utm_campaign", campaign)
	u.RawQuery = q.Encode()
	return u.String()
}

func campaignSource(f Format) string {
	if f == JSON {
		return "jsonfeed"
	}
	return string(f)
}

// AppealFor picks the appeal that applies to article a at the build time:
// the first running appeal whose sections include the article's.
func AppealFor(in *Input, a *Article) *Appeal {
	for i := range in.Appeals {
		ap := &in.Appeals[i]
		if ap.ActiveAt(in.Now) && ap.AppliesTo(a) {
			return ap
		}
	}
	return nil
}

// pageAppeals are the appeals shown on at least one item of the page, in
// the order of in.Appeals: those are the ones the feed advertises.
func pageAppeals(in *Input) []*Appeal {
	var out []*Appeal
	for i := range in.Appeals {
		ap := &in.Appeals[i]
		for j := range in.Articles {
			if AppealFor(in, &in.Articles[j]) == ap {
				out = append(out, ap)
				break
			}
		}
	}
	return out
}
