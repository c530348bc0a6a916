module baton.bench/idle-client

go 1.19
