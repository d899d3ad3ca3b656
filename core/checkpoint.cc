#include "core/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace syncline::core {
namespace {

namespace fs = std::filesystem;

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::PermissionDeniedError(absl::StrCat(path, ": ", what, ": ", std::strerror(errno)));
}

// Writes all of `data` to fd, retrying short writes.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

absl::Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoError("cannot open folder to sync", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("fsync of folder failed", dir);
  return absl::OkStatus();
}

std::string ParentDir(const std::string& path) {
  std::string parent = fs::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

absl::Status WriteProtoAtomically(const google::protobuf::MessageLite& msg,
                                  const std::string& path) {
  std::string data;
  if (!msg.SerializeToString(&data)) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialize message"));
  }
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return ErrnoError("cannot create temporary file", tmp);
  ::fchmod(fd, 0644);  // mkstemp makes 0600; checkpoints are ordinary files
  bool ok = WriteAll(fd, data);
  absl::Status status = ok ? absl::OkStatus() : ErrnoError("write failed", tmp);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("fsync failed", tmp);
  if (::close(fd) != 0 && status.ok()) status = ErrnoError("close failed", tmp);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoError("rename to " + path + " failed", tmp);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return SyncDirectory(ParentDir(path));
}

absl::Status ReadProtoFile(const std::string& path, google::protobuf::MessageLite* msg) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  if (!msg->ParseFromString(data)) {
    return absl::DataLossError(absl::StrCat(path, ": not a valid ", msg->GetTypeName(),
                                            " (truncated or corrupt)"));
  }
  return absl::OkStatus();
}

absl::Status EnsureWritableDirectory(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create folder: ", ec.message()));
  if (!fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, ": not a folder"));
  }
  std::string probe = dir + "/.write-probe-XXXXXX";
  int fd = ::mkstemp(probe.data());
  if (fd < 0) return ErrnoError("folder is not writable", dir);
  ::close(fd);
  ::unlink(probe.c_str());
  return absl::OkStatus();
}

std::string CheckpointPath(const std::string& dir, int64_t step) {
  return absl::StrFormat("%s/ckpt-%010d.pb", dir, step);
}

absl::StatusOr<std::vector<std::string>> ListCheckpoints(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (absl::StartsWith(name, "ckpt-") && absl::EndsWith(name, ".pb")) {
      out.push_back(it->path().string());
    }
  }
  if (ec) return absl::NotFoundError(absl::StrCat(dir, ": cannot list: ", ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::string> ResolveCheckpoint(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": no such checkpoint"));
    return path;
  }
  absl::StatusOr<std::vector<std::string>> files = ListCheckpoints(path);
  if (!files.ok()) return files.status();
  if (files->empty()) return absl::NotFoundError(absl::StrCat(path, ": no ckpt-*.pb files in folder"));
  return files->back();
}

absl::Status PruneCheckpoints(const std::string& dir, int keep_last) {
  if (keep_last <= 0) return absl::OkStatus();
  absl::StatusOr<std::vector<std::string>> files = ListCheckpoints(dir);
  if (!files.ok()) return files.status();
  for (size_t i = 0; i + keep_last < files->size(); ++i) {
    if (::unlink((*files)[i].c_str()) != 0) return ErrnoError("cannot delete old checkpoint", (*files)[i]);
  }
  return absl::OkStatus();
}

void TensorToProto(const std::string& name, const Tensor& t, proto::TensorProto* out) {
  out->set_name(name);
  out->clear_shape();
  for (int64_t d : t.shape()) out->add_shape(d);
  out->set_data(reinterpret_cast<const char*>(t.data()), t.numel() * sizeof(float));
}

absl::StatusOr<Tensor> TensorFromProto(const proto::TensorProto& p) {
  Shape shape(p.shape().begin(), p.shape().end());
  for (int64_t d : shape) {
    if (d < 0) return absl::DataLossError(absl::StrCat("tensor ", p.name(), ": negative dimension"));
  }
  int64_t n = NumElements(shape);
  if (static_cast<int64_t>(p.data().size()) != n * static_cast<int64_t>(sizeof(float))) {
    return absl::DataLossError(absl::StrCat("tensor ", p.name(), " ", ShapeToString(shape), ": has ",
                                            p.data().size(), " bytes, expected ", n * sizeof(float)));
  }
  Tensor t(shape);
  std::memcpy(t.data(), p.data().data(), p.data().size());
  return t;
}

void SaveParameters(const std::vector<Parameter>& params, proto::Checkpoint* ckpt) {
  ckpt->clear_model();
  for (const Parameter& p : params) TensorToProto(p.name, *p.value, ckpt->add_model());
}

absl::Status LoadParameters(const proto::Checkpoint& ckpt, const std::vector<Parameter>& params) {
  if (ckpt.model_size() != static_cast<int>(params.size())) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint has ", ckpt.model_size(),
                                                   " parameter tensors, the model has ", params.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {  // check everything before changing anything
    const proto::TensorProto& t = ckpt.model(static_cast<int>(i));
    Shape shape(t.shape().begin(), t.shape().end());
    if (t.name() != params[i].name || shape != params[i].value->shape() ||
        static_cast<int64_t>(t.data().size()) != params[i].value->numel() * int64_t{sizeof(float)}) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint tensor #", i, " is ", t.name(), " ", ShapeToString(shape), ", the model has ",
          params[i].name, " ", params[i].value->ShapeString()));
    }
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& data = ckpt.model(static_cast<int>(i)).data();
    std::memcpy(params[i].value->data(), data.data(), data.size());
  }
  return absl::OkStatus();
}

}  // namespace syncline::core
