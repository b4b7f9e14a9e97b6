package cases

import "testing"

func TestWeSentSaysOnlyWhatWasSent(t *testing.T) {
	tests := []struct {
		id   string
		want string
	}{
		{"2.10", "we sent ten pings back to back; "},
		{"2.11", "we sent ten pings back to back, written one octet per TCP write; "},
		{"1.1.1", "we sent one text frame (FIN) of 0 octets; "},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			c, ok := Lookup(tt.id)
			if !ok {
				t.Fatalf("no case %s", tt.id)
			}
			if got := weSent(c); got != tt.want {
				t.Errorf("weSent(%s) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}
