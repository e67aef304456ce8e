package record

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
)

// Identity across formats (docs/formats.md): a model or dataset published on Hugging Face is
// named by its repository id, whichever document describes it, so a CycloneDX BOM, an SPDX
// document and a model card of the same model meet in one node.
//
//	Hugging Face repo id      mdl:hf:<org>/<name>    ds:hf:<name or org/name>   (lower case)
//	other package URL         mdl:purl:<type>/<namespace>/<name>   (no version, no qualifiers)
//	otherwise                 mdl:<name>[@<version>]                 (lower case)

var slugRE = regexp.MustCompile(`[^a-z0-9._/@+-]+`)

// Slug lower-cases s and turns runs of other characters into single dashes.
func Slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "-"), "-")
}

// HFRepo returns the repository id of a Hugging Face URL (https://huggingface.co/org/name,
// .../datasets/name), and whether the URL names a dataset.
func HFRepo(raw string) (repo string, dataset bool, ok bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !strings.HasSuffix(strings.ToLower(u.Host), "huggingface.co") {
		return "", false, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) > 0 && parts[0] == "datasets" {
		dataset, parts = true, parts[1:]
	}
	switch {
	case len(parts) >= 2 && parts[1] != "blob" && parts[1] != "resolve" && parts[1] != "tree":
		return parts[0] + "/" + parts[1], dataset, true
	case len(parts) >= 1 && parts[0] != "":
		return parts[0], dataset, true
	}
	return "", false, false
}

// HFRepoOf returns the repository of the first Hugging Face URL among urls.
func HFRepoOf(urls []string) (string, bool, bool) {
	for _, u := range urls {
		if repo, ds, ok := HFRepo(u); ok {
			return repo, ds, true
		}
	}
	return "", false, false
}

// PurlIdentity parses a package URL: pkg:type/namespace/name@version?qualifiers#subpath.
// It returns the Hugging Face repo id for pkg:huggingface, else type/namespace/name.
func PurlIdentity(purl string) (key string, hf bool, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(purl), "pkg:")
	if !found || rest == "" {
		return "", false, false
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[:i]
	}
	typ, path, _ := strings.Cut(rest, "/")
	if path == "" {
		return "", false, false
	}
	if unescaped, err := url.PathUnescape(path); err == nil {
		path = unescaped
	}
	if strings.EqualFold(typ, "huggingface") {
		return path, true, true
	}
	return strings.ToLower(typ) + "/" + path, false, true
}

// Identity is what a document knows about a model or dataset, from which its id follows.
type Identity struct {
	Purl, HFRepo, Name, Version string
	URLs                        []string
}

// ID names the model (prefix "mdl") or dataset ("ds") by the rules above.
func (i Identity) ID(prefix string) string {
	if i.HFRepo != "" {
		return prefix + ":hf:" + Slug(i.HFRepo)
	}
	if key, hf, ok := PurlIdentity(i.Purl); ok {
		if hf {
			return prefix + ":hf:" + Slug(key)
		}
		return prefix + ":purl:" + Slug(key)
	}
	for _, u := range i.URLs {
		if repo, _, ok := HFRepo(u); ok {
			return prefix + ":hf:" + Slug(repo)
		}
	}
	id := prefix + ":" + Slug(i.Name)
	if i.Version != "" {
		id += "@" + Slug(i.Version)
	}
	return id
}

// DocumentSource is the default source of a self-contained document: what it describes, so that
// a re-generated BOM or an edited card replaces its earlier statements under --prune; without a
// subject, the file's name, or its folder's for generic names (bom.json, README.md).
func DocumentSource(path, subject string) string {
	if subject != "" {
		return subject
	}
	stem := Stem(path)
	switch strings.ToLower(stem) {
	case "readme", "bom", "sbom", "aibom", "index", "model", "dataset":
		// A generic file name says nothing; its folder does.
		return filepath.Base(filepath.Dir(path))
	}
	return stem
}

// FirstNonEmpty returns the first of s that is not blank, trimmed.
func FirstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return strings.TrimSpace(x)
		}
	}
	return ""
}
