package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

const minimal = `
site:
  title: Example News
feeds:
  - name: news
`

func TestRootConfigLoads(t *testing.T) {
	c, err := Load("../config.yaml", nil)
	if err != nil {
		t.Fatalf("the repository's config.yaml does not load: %v", err)
	}
	if !c.Demo || c.Listen != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || len(c.Feeds) == 0 {
		t.Errorf("unexpected demo config: %+v", c)
	}
	if c.Interval() != time.Minute {
		t.Errorf("interval = %v, want 1m for the default schedule", c.Interval())
	}
}

func TestDefaultsAndDerivedValues(t *testing.T) {
	c, err := Parse("test.yaml", strings.NewReader(minimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := c.Feeds[0]
	if f.Limit != DefaultLimit || f.Title != "Example News" || f.Description != "Example News" {
		t.Errorf("feed defaults: %+v", f)
	}
	if c.MaxPages != DefaultMaxPages {
		t.Errorf("max_pages = %d, want %d", c.MaxPages, DefaultMaxPages)
	}
	if c.Site.URL != "http://127.0.0.1:8080/" || c.Database != "data/feedwright.db" || c.AdminTokenEnv != "FEEDWRIGHT_ADMIN_TOKEN" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	env := []string{
		"FEEDWRIGHT_LISTEN=0.0.0.0:9090",
		"FEEDWRIGHT_DATABASE=/var/lib/fw.db",
		"FEEDWRIGHT_SCHEDULE=@every 30s",
		"FEEDWRIGHT_SITE_TITLE=Overridden",
		"FEEDWRIGHT_HUBS=https://hub.example/, https://hub2.example/",
		"FEEDWRIGHT_DEMO=false",
		"UNRELATED=1",
	}
	c, err := Parse("test.yaml", strings.NewReader(minimal+"demo: true\n"), env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9090" || c.BaseURL != "http://localhost:9090" || c.Database != "/var/lib/fw.db" ||
		c.Site.Title != "Overridden" || c.Demo || len(c.Hubs) != 2 || c.Hubs[1] != "https://hub2.example/" {
		t.Errorf("overrides not applied: %+v", c)
	}
	if c.Interval() != 30*time.Second {
		t.Errorf("interval = %v, want 30s", c.Interval())
	}
	c, err = Parse("test.yaml", strings.NewReader(minimal), []string{"FEEDWRIGHT_BASE_URL=https://feeds.example/"})
	if err != nil || c.BaseURL != "https://feeds.example" {
		t.Errorf("base url override: %q %v", c.BaseURL, err)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string
	}{
		{"unknown key", minimal + "colour: blue\n", nil, []string{`unknown key "colour"`, "line"}},
		{"unknown nested key", "site:\n  title: x\n  tilte: y\nfeeds: [{name: a}]\n", nil, []string{`unknown key "tilte"`}},
		{"bad cron", minimal + "schedule: every minute\n", nil, []string{"schedule:", "every minute"}},
		{"bad cron from env", minimal, []string{"FEEDWRIGHT_SCHEDULE=61 * * * *"}, []string{"schedule:"}},
		{"relative base url", minimal + "base_url: /feeds\n", nil, []string{"base_url:", "absolute"}},
		{"ftp base url", minimal + "base_url: ftp://x.example\n", nil, []string{"base_url:"}},
		{"duplicate feed", minimal + "  - name: news\n", nil, []string{"feeds[1].name:", `"news"`, "feeds[0]"}},
		{"bad feed name", "site: {title: x}\nfeeds: [{name: 'My Feed'}]\n", nil, []string{"feeds[0].name:"}},
		{"no feeds", "site: {title: x}\n", nil, []string{"feeds:"}},
		{"no title", "feeds: [{name: a}]\n", nil, []string{"site.title:"}},
		{"limit", "site: {title: x}\nfeeds: [{name: a, limit: 100000}]\n", nil, []string{"feeds[0].limit:"}},
		{"bad listen", minimal + "listen: localhost\n", nil, []string{"listen:"}},
		{"bad zone", minimal + "timezone: Mars/Olympus\n", nil, []string{"timezone:"}},
		{"bad bool env", minimal, []string{"FEEDWRIGHT_DEMO=maybe"}, []string{"FEEDWRIGHT_DEMO"}},
		{"wrong type", "site: {title: x}\nfeeds: [{name: a, limit: many}]\n", nil, []string{"line"}},
		{"bad hub", minimal + "hubs: [hub.example]\n", nil, []string{"hubs[0]:"}},
		{"max pages", minimal + "max_pages: 0\n", nil, []string{"max_pages:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.yaml", strings.NewReader(tt.yaml), tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEveryEnvNameOverridesSomething(t *testing.T) {
	names := EnvNames()
	for _, want := range []string{"FEEDWRIGHT_LISTEN", "FEEDWRIGHT_DATABASE", "FEEDWRIGHT_BASE_URL", "FEEDWRIGHT_SCHEDULE", "FEEDWRIGHT_SITE_TITLE"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("%s is not an override; have %v", want, names)
		}
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load("/nonexistent/config.yaml", os.Environ())
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/config.yaml") {
		t.Errorf("err = %v, want one naming the file", err)
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		spec string
		want time.Duration
	}{
		{"* * * * *", time.Minute},
		{"*/15 * * * *", 15 * time.Minute},
		{"@hourly", time.Hour},
		{"@every 30s", 30 * time.Second},
		{"*/10 * * * * *", 10 * time.Second},
		{"0 9,17 * * *", 8 * time.Hour},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		if got := Interval(s, time.UTC); got != tt.want {
			t.Errorf("Interval(%q) = %v, want %v", tt.spec, got, tt.want)
		}
	}
}
