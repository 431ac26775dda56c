module github.com/npusim/npusim

go 1.26

require (
	github.com/sarchlab/akita/v3 v3.0.0
	github.com/spf13/cobra v1.10.2
	go.yaml.in/yaml/v3 v3.0.6
)

require (
	github.com/go-sql-driver/mysql v1.7.1 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/mattn/go-sqlite3 v1.14.16 // indirect
	github.com/rs/xid v1.5.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	github.com/tebeka/atexit v0.3.0 // indirect
)
