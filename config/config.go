// Package config reads Feedwright's config.yaml, applies environment
// overrides and checks every setting before anything starts.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts the name of every environment variable that overrides a
// setting: FEEDWRIGHT_ plus the setting's path in upper case, with "_"
// between keys (FEEDWRIGHT_LISTEN, FEEDWRIGHT_SITE_TITLE).
const EnvPrefix = "FEEDWRIGHT_"

// Config is the whole configuration, as config.yaml spells it.
type Config struct {
	Site Site `yaml:"site"`
	// BaseURL is the public URL Feedwright is reached at: feed
	// self-links and media URLs use it. Empty means "derived from Listen".
	BaseURL string `yaml:"base_url"`
	// Listen is the TCP address the HTTP server binds.
	Listen string `yaml:"listen"`
	// Database is the path of the SQLite file.
	Database string `yaml:"database"`
	// Schedule is the cron spec of the rebuilds: five fields, six with
	// seconds first, or a descriptor such as "@every 30s".
	Schedule string `yaml:"schedule"`
	// Timezone is the IANA zone the schedule is read in.
	Timezone string `yaml:"timezone"`
	// Demo loads the demo article and appeal into an empty database.
	Demo bool `yaml:"demo"`
	// AdminTokenEnv names the environment variable that holds the admin
	// API's bearer token; the token itself never sits in the file.
	AdminTokenEnv string `yaml:"admin_token_env"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// MaxPages bounds the pages of every feed, RFC 5005 archive pages
	// included: a feed serves at most MaxPages×limit items, and a build
	// costs no more than that.
	MaxPages int `yaml:"max_pages"`
	// Hubs are the WebSub hubs feeds advertise and notify.
	Hubs  []string `yaml:"hubs"`
	Feeds []Feed   `yaml:"feeds"`

	schedule cron.Schedule
	location *time.Location
}

// Site describes the publisher.
type Site struct {
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// URL is the publisher's home page; empty means the base URL.
	URL      string `yaml:"url"`
	Language string `yaml:"language"`
	Rights   string `yaml:"rights"`
	// Icon and Logo are image URLs, relative to the base URL or absolute.
	Icon string `yaml:"icon"`
	Logo string `yaml:"logo"`
}

// Feed is one configured feed.
type Feed struct {
	Name        string `yaml:"name"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	Section     string `yaml:"section"`
	Tag         string `yaml:"tag"`
	Author      string `yaml:"author"`
	Limit       int    `yaml:"limit"`
}

// Defaults are the settings a file may leave out.
func Defaults() Config {
	return Config{
		Listen:        "127.0.0.1:8080",
		Database:      "data/feedwright.db",
		Schedule:      "* * * * *",
		Timezone:      "UTC",
		AdminTokenEnv: "FEEDWRIGHT_ADMIN_TOKEN",
		LogLevel:      "info",
		MaxPages:      DefaultMaxPages,
		Site:          Site{Language: "en-US"},
	}
}

// DefaultLimit is the number of items on a feed page when a feed names none.
const DefaultLimit = 20

// MaxLimit bounds a feed page: readers cope badly with huge documents,
// and archive pages (RFC 5005) hold the rest.
const MaxLimit = 500

// DefaultMaxPages is the number of pages a feed has at most when the
// configuration names none; MaxPages bounds the setting.
const (
	DefaultMaxPages = 50
	MaxPages        = 1000
)

// Load reads the file at path, applies environment overrides from environ
// (os.Environ's form), fills in defaults and validates. Every problem is
// reported with the key it concerns.
func Load(path string, environ []string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	return Parse(path, f, environ)
}

// Parse is Load for a file already open; name is used in messages.
func Parse(name string, r io.Reader, environ []string) (*Config, error) {
	c := Defaults()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s", name, yamlError(err))
	}
	if err := applyEnv(&c, environ); err != nil {
		return nil, err
	}
	if err := c.finish(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}

var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

// yamlError rewords the YAML decoder's messages in the file's terms.
func yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = unknownField.ReplaceAllString(msg, `unknown key "$1"`)
	lines := strings.Split(msg, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

// applyEnv overrides scalar settings, and lists of strings (comma
// separated), from FEEDWRIGHT_* variables. Feeds are structure, not
// settings, and stay in the file.
func applyEnv(c *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	return walk(reflect.ValueOf(c).Elem(), EnvPrefix, func(name string, v reflect.Value) error {
		s, ok := env[name]
		if !ok {
			return nil
		}
		switch v.Kind() {
		case reflect.String:
			v.SetString(s)
		case reflect.Bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("environment %s=%q: want true or false", name, s)
			}
			v.SetBool(b)
		case reflect.Int:
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("environment %s=%q: want a whole number", name, s)
			}
			v.SetInt(int64(n))
		case reflect.Slice:
			var list []string
			for _, p := range strings.Split(s, ",") {
				if p = strings.TrimSpace(p); p != "" {
					list = append(list, p)
				}
			}
			v.Set(reflect.ValueOf(list))
		}
		return nil
	})
}

// EnvNames lists every environment variable that overrides a setting.
func EnvNames() []string {
	var names []string
	c := Defaults()
	walk(reflect.ValueOf(&c).Elem(), EnvPrefix, func(name string, _ reflect.Value) error {
		names = append(names, name)
		return nil
	})
	return names
}

func walk(v reflect.Value, prefix string, fn func(string, reflect.Value) error) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || key == "" || key == "-" {
			continue
		}
		name := prefix + strings.ToUpper(key)
		fv := v.Field(i)
		switch {
		case fv.Kind() == reflect.Struct:
			if err := walk(fv, name+"_", fn); err != nil {
				return err
			}
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.String:
			// lists of structures are not settings
		default:
			if err := fn(name, fv); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish fills in what derives from other settings and validates all.
func (c *Config) finish() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		bad("listen", "%q is not host:port: %v", c.Listen, err)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		bad("listen", "%q has no valid port", c.Listen)
	}
	if c.BaseURL == "" && err == nil {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if c.BaseURL != "" {
		checkAbsolute("base_url", c.BaseURL, bad)
	}
	if c.Site.URL == "" {
		c.Site.URL = c.BaseURL + "/"
	} else {
		checkAbsolute("site.url", c.Site.URL, bad)
	}
	if strings.TrimSpace(c.Site.Title) == "" {
		bad("site.title", "is required")
	}
	for i, h := range c.Hubs {
		checkAbsolute(fmt.Sprintf("hubs[%d]", i), h, bad)
	}
	if c.Database == "" {
		bad("database", "is required")
	}
	if c.location, err = time.LoadLocation(c.Timezone); err != nil {
		bad("timezone", "unknown time zone %q", c.Timezone)
	}
	if c.schedule, err = ParseSchedule(c.Schedule); err != nil {
		bad("schedule", "%v", err)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("log_level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.AdminTokenEnv == "" {
		bad("admin_token_env", "is required (the name of the variable, not the token)")
	}
	if c.MaxPages < 1 || c.MaxPages > MaxPages {
		bad("max_pages", "%d is outside 1..%d", c.MaxPages, MaxPages)
	}
	if len(c.Feeds) == 0 {
		bad("feeds", "at least one feed is required")
	}
	seen := map[string]int{}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		key := fmt.Sprintf("feeds[%d]", i)
		switch {
		case f.Name == "":
			bad(key+".name", "is required")
		case !validName.MatchString(f.Name):
			bad(key+".name", "%q may hold only a-z, 0-9, '-' and '_' (it is part of the feed's URL)", f.Name)
		}
		if j, dup := seen[f.Name]; dup && f.Name != "" {
			bad(key+".name", "%q is already the name of feeds[%d]", f.Name, j)
		}
		seen[f.Name] = i
		if f.Title == "" {
			f.Title = c.Site.Title
		}
		if f.Description == "" {
			f.Description = c.Site.Description
		}
		if f.Description == "" {
			f.Description = f.Title
		}
		switch {
		case f.Limit == 0:
			f.Limit = DefaultLimit
		case f.Limit < 0 || f.Limit > MaxLimit:
			bad(key+".limit", "%d is outside 1..%d", f.Limit, MaxLimit)
		}
	}
	return errors.Join(errs...)
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func checkAbsolute(key, raw string, bad func(string, string, ...any)) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		bad(key, "%q is not a URL: %v", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		bad(key, "%q must be an absolute http or https URL", raw)
	case u.Host == "":
		bad(key, "%q has no host", raw)
	}
}

// cronParser accepts the standard five fields, an optional leading seconds
// field, and descriptors such as @hourly and @every 30s.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a cron spec the way the scheduler reads it.
func ParseSchedule(spec string) (cron.Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("is required")
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron spec: %w", spec, err)
	}
	return s, nil
}

// CronSchedule is the parsed schedule.
func (c *Config) CronSchedule() cron.Schedule { return c.schedule }

// Location is the time zone the schedule runs in.
func (c *Config) Location() *time.Location { return c.location }

// Interval is the shortest gap between two scheduled rebuilds, measured
// over a day of the schedule from a fixed point so the answer never
// changes. Feeds promise readers (ttl, Cache-Control) nothing longer.
func (c *Config) Interval() time.Duration {
	return Interval(c.schedule, c.location)
}

// Interval is Config.Interval for any schedule.
func Interval(s cron.Schedule, loc *time.Location) time.Duration {
	if s == nil {
		return time.Minute
	}
	if loc == nil {
		loc = time.UTC
	}
	t := time.Date(2025, 1, 6, 0, 0, 0, 0, loc)
	end := t.Add(48 * time.Hour)
	best := time.Duration(0)
	for i := 0; i < 10000 && t.Before(end); i++ {
		next := s.Next(t)
		if next.IsZero() {
			break
		}
		if gap := next.Sub(t); i > 0 && (best == 0 || gap < best) {
			best = gap
		}
		t = next
	}
	if best <= 0 {
		best = 24 * time.Hour
	}
	return best
}
