#include "federated/tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace syncline::federated {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& field, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("server.", field, ": cannot read '", path, "'"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("server.", field, ": '", path, "' is not PEM"));
  }
  return ss.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const proto::ServerConfig& c) {
  if (c.tls_cert().empty() && c.tls_key().empty()) {
    if (!c.tls_client_ca().empty()) {
      return absl::InvalidArgumentError("server.tls_client_ca needs server.tls_cert and tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  auto cert = ReadPem("tls_cert", c.tls_cert());
  if (!cert.ok()) return cert.status();
  auto key = ReadPem("tls_key", c.tls_key());
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions opts;
  opts.pem_key_cert_pairs.push_back({*key, *cert});
  if (!c.tls_client_ca().empty()) {
    auto ca = ReadPem("tls_client_ca", c.tls_client_ca());
    if (!ca.ok()) return ca.status();
    opts.pem_root_certs = *ca;
    opts.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(opts);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const proto::ServerConfig& c) {
  if (c.tls_ca().empty()) {
    if (!c.tls_client_cert().empty()) {
      return absl::InvalidArgumentError("server.tls_client_cert needs server.tls_ca");
    }
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions opts;
  auto ca = ReadPem("tls_ca", c.tls_ca());
  if (!ca.ok()) return ca.status();
  opts.pem_root_certs = *ca;
  if (!c.tls_client_cert().empty()) {
    auto cert = ReadPem("tls_client_cert", c.tls_client_cert());
    if (!cert.ok()) return cert.status();
    auto key = ReadPem("tls_client_key", c.tls_client_key());
    if (!key.ok()) return key.status();
    opts.pem_cert_chain = *cert;
    opts.pem_private_key = *key;
  }
  return grpc::SslCredentials(opts);
}

}  // namespace syncline::federated
