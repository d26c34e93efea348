package staff

// Service is the org and user administration use cases. CONTRACT STUB.
type Service struct{}
