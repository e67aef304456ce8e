package server_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aimsgraph/aimsgraph/resolvers"
)

// The UI's pages are index.html at every route the UI knows; assets are served by name with
// long cache headers; other paths are 404s, not the page.
func TestUIRoutes(t *testing.T) {
	a := newAPI(t, allStores[0].Open, resolvers.DefaultLimits())
	get := func(path string) (*http.Response, string) {
		resp, err := http.Get(a.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	_, index := get("/")
	if !strings.Contains(index, `<div id="app">`) {
		t.Fatalf("/ is not the UI:\n%.300s", index)
	}
	for _, p := range []string{"/lineage/dec:loan-approval", "/node/ds%3Aol%3Ans%2Fa", "/questions/vendor-exit", "/query", "/runs", "/search?q=bureau"} {
		resp, body := get(p)
		if resp.StatusCode != 200 || body != index || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: HTTP %d, CSP %q, index.html: %v", p, resp.StatusCode, resp.Header.Get("Content-Security-Policy"), body == index)
		}
	}
	asset := strings.Split(strings.Split(index, `src="`)[1], `"`)[0]
	resp, body := get(asset)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || len(body) < 1000 {
		t.Errorf("%s: HTTP %d, %q, %q", asset, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/assets/nope.js", "/nope", "/assets/../index.html", "/api/v1/nope"} {
		if resp, _ := get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d, want 404", p, resp.StatusCode)
		}
	}
}

// The evidence download is the pack: a zip with a manifest, per id a trace and a picture.
func TestEvidenceDownload(t *testing.T) {
	a := newAPI(t, allStores[0].Open, resolvers.DefaultLimits())
	resp, err := http.Get(a.url + "/api/v1/evidence?id=dec:loan-approval&id=dec:sar-filing")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="evidence-dec_3Aloan-approval-and-1-more-`) {
		t.Fatalf("HTTP %d %q %q\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), body)
	}
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	want := "manifest.json dec%3Aloan-approval/lineage.svg dec%3Aloan-approval/trace.csv dec%3Asar-filing/lineage.svg dec%3Asar-filing/trace.csv gaps.csv index.html runs.csv"
	if strings.Join(names, " ") != want {
		t.Errorf("pack holds %v\nwant %s", names, want)
	}
	// asOf reads as every other asOf does (model.ParseInstant): an instant, or a date, as the
	// UI's ?asOf=2026-06-30 passes it on.
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	resp, err = http.Get(a.url + "/api/v1/evidence?id=dec:loan-approval&asOf=" + tomorrow)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "-"+strings.ReplaceAll(tomorrow, "-", "")+"T000000Z.zip") {
		t.Errorf("asOf=%s: HTTP %d %q\n%.300s", tomorrow, resp.StatusCode, resp.Header.Get("Content-Disposition"), b)
	}
	for q, code := range map[string]string{"id=dec:nope": "NOT_FOUND", "": "BAD_USER_INPUT", "id=dec:loan-approval&asOf=yesterday": "BAD_USER_INPUT"} {
		resp, err := http.Get(a.url + "/api/v1/evidence?" + q)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"code":"`+code+`"`) || resp.StatusCode < 400 {
			t.Errorf("?%s: HTTP %d %s, want %s", q, resp.StatusCode, b, code)
		}
	}

	// A trace over the server's caps is refused, and the message names the command line.
	limits := resolvers.DefaultLimits()
	limits.MaxResults = 3
	small := newAPI(t, allStores[0].Open, limits)
	resp, err = http.Get(small.url + "/api/v1/evidence?id=dec:card-block")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "BAD_USER_INPUT") || !strings.Contains(string(b), "aimsgraph evidence") {
		t.Errorf("over the caps: HTTP %d %s", resp.StatusCode, b)
	}
}
