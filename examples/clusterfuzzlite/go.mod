module github.com/reaptest/reaptest/examples/clusterfuzzlite

go 1.25.0

require github.com/reaptest/reaptest v0.0.0-00010101000000-000000000000

require (
	go.uber.org/goleak v1.3.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)

replace github.com/reaptest/reaptest => ../..
