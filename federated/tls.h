// gRPC credentials from ServerConfig: TLS when certificates are configured,
// plaintext otherwise. Unreadable files are errors naming the field and path.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "syncline/federated_config.pb.h"

namespace syncline::federated {

// tls_cert + tls_key (+ tls_client_ca: clients must present a cert it signed).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const proto::ServerConfig& config);
// tls_ca (+ tls_client_cert / tls_client_key for mutual TLS).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const proto::ServerConfig& config);

}  // namespace syncline::federated
