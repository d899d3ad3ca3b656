// Shared pieces of the fed-server and fed-client subcommands.
#pragma once

#include <atomic>

namespace syncline::launch {

// Set by SIGTERM / SIGINT once InstallStopHandlers() ran; the daemons poll it.
std::atomic<bool>& StopRequested();
void InstallStopHandlers();

}  // namespace syncline::launch
