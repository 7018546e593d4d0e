#pragma once

// Runs Heiko with its window: QApplication, the single-instance hand-over, the saved queue, the main window.
// Returns the process's exit status. On Linux this is in the heiko_window module, which the executable
// loads only when a window is wanted (windowmodule.h); elsewhere it is linked into the executable.
int runWindow(int argc, char *argv[]);
