#pragma once

#include "engineoptions.h"

#include <QCommandLineOption>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

// The `heiko` command line: parsed into a value, validated, with every mistake named. Parsing never
// prints or exits; main() decides what to do with the result.
class CommandLine final
{
public:
    enum class Action { Run, ShowHelp, ShowVersion, UsageError };

    struct Options
    {
        bool headless = false;
        QStringList urls; // positional arguments, as given
        QString inputFile; // -i; "-" is stdin
        QString directory; // -d; empty: the user's download folder
        heiko::EngineOptions engine;
        QStringList given; // long names of the options on the command line ("timeout", "retries", ...)
        QString logFile;
        bool json = false;

        // `saved` with the engine options the command line gives put over it: the window runs with its
        // saved settings except where this session's command line says otherwise.
        heiko::EngineOptions engineOver(heiko::EngineOptions saved) const;
    };

    struct Result
    {
        Action action = Action::Run;
        Options options;
        QString text; // help text, version line or the usage error
    };

    // `arguments` includes the program name first, as QCoreApplication::arguments() gives it.
    static Result parse(const QStringList &arguments);

    // Decides, before any application object exists, whether the window is wanted: headless runs, help
    // and version must not need a display.
    static bool wantsWindow(int argc, char **argv);
    // "-j2" -> "-j", "2" for the short options that take a value (see the .cpp); other arguments as they are.
    static QStringList splitAttachedValues(const QStringList &arguments,
                                           const QList<QCommandLineOption> &options);
};
