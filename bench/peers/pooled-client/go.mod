module baton.bench/pooled-client

go 1.19
