#pragma once

// Linux: the window (Qt Widgets and Gui, and the forty-odd libraries they bring) is a module next to the
// executable, loaded only when a window is wanted. Linking it into the executable made every headless run
// load and relocate those libraries first: 10.6 ms to print --version, against 4.1 ms for a program with
// Qt Core and Network only (docs/benchmarks.md). Loads the module and runs its window; if the module cannot
// be found or loaded, says so and returns exit status 2.
int runWindowModule(int argc, char *argv[]);
