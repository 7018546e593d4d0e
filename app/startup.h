#pragma once

#include "commandline.h"

// What the headless run and the window share before either starts.
namespace startup {

// The application's name, version and organisation, for QSettings and QStandardPaths.
void setApplicationIdentity();

// Help, version and usage errors: printed, and the exit status scripts rely on returned; -1 to go on.
int finishEarly(const CommandLine::Result &parsed);

} // namespace startup
