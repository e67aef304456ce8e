package auth

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// CodeCrossOrigin refuses a request that another site's page sent to a server without tokens
// (HTTP 403). Without tokens a browser needs no credential to reach the server, so any page the
// person at this machine opens could otherwise POST to it (CSRF) or make it work (GET).
const CodeCrossOrigin = "CROSS_ORIGIN_REQUEST"

// CrossOrigin says why r was sent by a page of another origin than the server's, or "" when it
// was not, or cannot be told: clients other than browsers (curl, the OpenLineage clients, scripts)
// send neither header and are not refused.
//
// The browser's own word comes first: Sec-Fetch-Site, which no page can set, is "same-origin"
// for the server's own pages and "none" for an address typed or bookmarked; any other value
// ("cross-site", "same-site": another port of localhost is the same site) is another origin's
// request. Without it (an older browser), an Origin header whose host is not the request's Host
// is. A same-origin request whose Origin differs from Host (a proxy that sets Host) is told
// apart by Sec-Fetch-Site, which every current browser sends.
func CrossOrigin(r *http.Request) string {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "same-origin", "none":
		return ""
	case "":
	default:
		return "Sec-Fetch-Site: " + site
	}
	if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) {
		return "Origin: " + origin
	}
	return ""
}

// sameOrigin reports whether an Origin header names the host and port a request was sent to.
// "null" (a sandboxed or file page) names none.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(withPort(u.Host, u.Scheme), withPort(host, u.Scheme))
}

// withPort adds the scheme's default port to a host without one.
func withPort(host, scheme string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), port)
}
