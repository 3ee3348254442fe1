//go:build ignore

// genusers writes n generated users as CSV in the fields `roster users
// import` reads, for measuring imports of a million users:
//
//	go run scripts/genusers.go -n 1000000 > users.csv
//
// Half carry a bcrypt hash and a third an argon2id one (the same hash on
// every row: computing a million would take longer than the import), the
// rest none; each is in zero to three of twenty groups, named.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
)

const (
	bcryptHash = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	argonHash  = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$" +
		"aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
)

func main() {
	n := flag.Int("n", 1_000_000, "how many users")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	fmt.Fprintln(w, "email,username,firstName,lastName,role,status,groups,passwordHash")
	roles := []string{"Analyst", "Analyst", "AnalystReadOnly", "Admin"}
	for i := range *n {
		hash := ""
		switch i % 6 {
		case 0, 1, 2:
			hash = bcryptHash
		case 3, 4:
			hash = argonHash
		}
		groups := ""
		for g := range i % 4 {
			if g > 0 {
				groups += ";"
			}
			groups += fmt.Sprintf("Team %02d", (i+g*7)%20+1)
		}
		status := "ACTIVE"
		if i%100 == 99 {
			status = "INACTIVE"
		}
		fmt.Fprintf(w, "user%d@mail%d.example.com,u%07d,Given%d,Family%d,%s,%s,%s,\"%s\"\n",
			i, i%50, i, i%997, i%1009, roles[i%len(roles)], status, groups, hash)
	}
}
