module github.com/example/bad-input

go 1.23.0

require golang.org/x/text v0.21.0
