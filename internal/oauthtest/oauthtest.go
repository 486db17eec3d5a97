// Package oauthtest serves, for tests, an OAuth2 provider that rotates
// refresh tokens, as many do: its token endpoint takes each refresh token
// once and answers with an access token and the next refresh token, and
// the API beside it wants the latest access token.
package oauthtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Server is the provider: POST …/token takes a refresh token; any other
// path is the API, which answers {} to the latest access token (at-N)
// and 401 to anything else.
type Server struct {
	mu      sync.Mutex
	current string
	n       int
	// ClientID, if set, is the public client the token endpoint wants in
	// the body, with no secret and no Authorization header.
	ClientID string
	// AnyIssued makes the API take any access token the provider gave, as
	// most providers' APIs do until it expires, not only the latest.
	AnyIssued bool
}

// New serves a provider whose first refresh token is first.
func New(first string) *Server { return &Server{current: first} }

// Refresh is the refresh token the token endpoint takes next.
func Refresh(n int) string { return fmt.Sprintf("rt-rotated-%d", n) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.HasSuffix(r.URL.Path, "/token") {
		if !s.takes(r.Header.Get("Authorization")) {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"items": []}`)
		return
	}
	r.ParseForm()
	_, _, basic := r.BasicAuth()
	public := s.ClientID != ""
	if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != s.current || basic == public ||
		public && r.PostForm.Get("client_id") != s.ClientID {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant"}`)
		return
	}
	s.n++
	s.current = Refresh(s.n)
	fmt.Fprintf(w, `{"access_token":"at-%d","refresh_token":%q,"token_type":"Bearer"}`, s.n, s.current)
}

// takes reports whether the API takes the Authorization header.
func (s *Server) takes(auth string) bool {
	if !s.AnyIssued {
		return auth == fmt.Sprintf("Bearer at-%d", s.n)
	}
	for k := 1; k <= s.n; k++ {
		if auth == fmt.Sprintf("Bearer at-%d", k) {
			return true
		}
	}
	return false
}
