#include "commandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSet>

#include <cmath>
#include <cstring>
#include <utility>

using namespace Qt::StringLiterals;

namespace {

bool parseInt(const QString &text, int min, int max, int *value)
{
    bool ok = false;
    const int parsed = text.trimmed().toInt(&ok);
    if (!ok || parsed < min || parsed > max)
        return false;
    *value = parsed;
    return true;
}

// "500K", "2M", "1.5m", "300000": bytes per second with aria2's binary suffixes (K = 1024); 0 means none.
bool parseRate(const QString &text, qint64 *value)
{
    QString number = text.trimmed();
    double factor = 1.0;
    if (!number.isEmpty()) {
        switch (number.back().toUpper().unicode()) {
        case u'K':
            factor = 1024.0;
            break;
        case u'M':
            factor = 1024.0 * 1024.0;
            break;
        case u'G':
            factor = 1024.0 * 1024.0 * 1024.0;
            break;
        default:
            break;
        }
        if (factor > 1.0)
            number.chop(1);
    }
    bool ok = false;
    const double parsed = number.toDouble(&ok);
    // Below 1 byte per second (but not 0) is refused rather than cut to 0, which would mean "no limit".
    if (!ok || !std::isfinite(parsed) || parsed < 0 || parsed * factor > 1e15
        || (parsed > 0 && parsed * factor < 1.0))
        return false;
    *value = qint64(parsed * factor);
    return true;
}

bool parseSeconds(const QString &text, double min, double max, double *value)
{
    bool ok = false;
    const double parsed = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(parsed) || parsed < min || parsed > max)
        return false;
    *value = parsed;
    return true;
}

} // namespace

bool CommandLine::wantsWindow(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        if (std::strcmp(arg, "--") == 0)
            break;
        // parse() reads a single-dash word as the long option ("-headless" is "--headless"): so does this.
        const bool singleDashWord = arg[0] == '-' && arg[1] != '-' && arg[1] != '\0' && arg[2] != '\0';
        for (const char *flag : { "--headless", "-h", "--help", "-?", "-v", "--version", "--help-all" }) {
            const bool isLong = flag[1] == '-';
            if (std::strcmp(arg, flag) == 0 || (singleDashWord && isLong && std::strcmp(arg, flag + 1) == 0))
                return false;
        }
    }
    return true;
}

QStringList CommandLine::splitAttachedValues(const QStringList &arguments,
                                             const QList<QCommandLineOption> &options)
{
    // aria2 and wget users write "-j2", "-x16", "-d/tmp/x". The parser reads a single-dash word as a long
    // option (so that "-headless" works), which made "-j2" an unknown option "j2": a short option that takes
    // a value, followed by more, is that option and its value, unless the word is a long option's name or
    // the value of the option before it.
    QSet<QString> longNames;
    QSet<QString> takingValues;
    for (const QCommandLineOption &option : options) {
        for (const QString &name : option.names()) {
            if (name.size() > 1)
                longNames.insert(name);
            if (!option.valueName().isEmpty())
                takingValues.insert(name);
        }
    }
    QStringList out;
    out.reserve(arguments.size() + 4);
    bool positionalOnly = false;
    bool valueNext = false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        const bool isValue = std::exchange(valueNext, false);
        if (i == 0 || isValue || positionalOnly || arg.size() < 2 || arg[0] != u'-') {
            out.append(arg);
            continue;
        }
        if (arg == u"--"_s) {
            positionalOnly = true;
            out.append(arg);
            continue;
        }
        const QString word = arg.sliced(arg[1] == u'-' ? 2 : 1);
        const qsizetype equals = word.indexOf(u'=');
        const QString name = equals < 0 ? word : word.first(equals);
        // "-d=/tmp/x" is the parser's own form of an option and its value: left as it is.
        if (arg[1] != u'-' && arg.size() > 2 && arg[2] != u'=' && !longNames.contains(name)
            && takingValues.contains(arg.mid(1, 1))) {
            out.append(arg.first(2));
            out.append(arg.sliced(2));
            continue;
        }
        valueNext = equals < 0 && takingValues.contains(name);
        out.append(arg);
    }
    return out;
}

CommandLine::Result CommandLine::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Heiko downloads lists of files with a pool of workers you can watch.\n\n"
        u"  heiko [URL...]                        open the window with these URLs queued\n"
        u"  heiko --headless [options] [URL...]   download without a window, then exit\n\n"
        u"Exit status: 0 every download finished; 1 any failed (or a list line was skipped); 2 bad usage."_s);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);

    const QCommandLineOption headless(u"headless"_s, u"Download without a window, then exit."_s);
    const QCommandLineOption input({ u"i"_s, u"input-file"_s },
                                   u"Read URLs from FILE, one per line ('-' = stdin). Blank lines and lines "
                                   u"starting with # are skipped; bad lines are reported and skipped."_s,
                                   u"FILE"_s);
    const QCommandLineOption dir({ u"d"_s, u"dir"_s },
                                 u"Save into DIR (default: your download folder). Created if missing."_s,
                                 u"DIR"_s);
    const QCommandLineOption workers({ u"j"_s, u"max-workers"_s },
                                     u"Worker threads = concurrent downloads, 1-%1 (default 2)."_s.arg(
                                         heiko::EngineOptions::kMaxWorkersLimit),
                                     u"N"_s);
    const QCommandLineOption connections(
        { u"x"_s, u"connections"_s },
        u"Connections per file, 1-%1 (default 1): a file of 2 MiB or more "
        u"from a server that serves ranges is fetched in that many pieces."_s.arg(
            heiko::EngineOptions::kMaxConnectionsLimit),
        u"N"_s);
    const QCommandLineOption timeout(u"timeout"_s,
                                     u"Give up on a connection that sends nothing for SECONDS (default 180); "
                                     u"the download is then retried."_s,
                                     u"SECONDS"_s);
    const QCommandLineOption retries(u"retries"_s,
                                     u"Retries of transient failures (resets, timeouts, 408, 429, 5xx); "
                                     u"default 5."_s,
                                     u"N"_s);
    const QCommandLineOption retryWait(
        u"retry-wait"_s, u"First pause before a retry, doubled each time up to 60 s (default 1)."_s,
        u"SECONDS"_s);
    const QCommandLineOption limitRate(u"limit-rate"_s,
                                       u"Speed limit for each download, e.g. 500K or 2M (bytes per second; "
                                       u"0 = none)."_s,
                                       u"RATE"_s);
    const QCommandLineOption overallLimit(
        u"max-overall-limit"_s, u"Speed limit for all downloads together, e.g. 10M (0 = none)."_s, u"RATE"_s);
    const QCommandLineOption perHost(u"max-per-host"_s,
                                     u"Connections to one server at once, across all downloads, 1-64 "
                                     u"(default 8)."_s,
                                     u"N"_s);
    const QCommandLineOption maxConnections(u"max-connections"_s,
                                            u"Connections at once over all downloads and servers, 1-1024 "
                                            u"(default 64)."_s,
                                            u"N"_s);
    const QCommandLineOption logFile(u"log-file"_s, u"Also append the log to FILE."_s, u"FILE"_s);
    const QCommandLineOption json(u"json"_s,
                                  u"Print one JSON object per line on stdout per event (added, started, "
                                  u"progress, finished, failed)."_s);
    parser.addOptions({ headless, input, dir, workers, connections, timeout, retries, retryWait, limitRate,
                        overallLimit, perHost, maxConnections, logFile, json });
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.addPositionalArgument(u"URL"_s, u"http or https URLs to download."_s, u"[URL...]"_s);

    Result result;
    const auto usageError = [&result](const QString &message) {
        result.action = Action::UsageError;
        result.text = message + u"\nTry 'heiko --help' for more information."_s;
        return result;
    };
    const QList<QCommandLineOption> all { headless,    input,        dir,     workers,
                                          connections, timeout,      retries, retryWait,
                                          limitRate,   overallLimit, perHost, maxConnections,
                                          logFile,     json,         help,    version };
    if (!parser.parse(splitAttachedValues(arguments, all)))
        return usageError(u"heiko: "_s + parser.errorText());
    if (parser.isSet(help)) {
        result.action = Action::ShowHelp;
        result.text = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.action = Action::ShowVersion;
        result.text = u"heiko "_s + QCoreApplication::applicationVersion();
        return result;
    }

    Options &o = result.options;
    o.headless = parser.isSet(headless);
    o.urls = parser.positionalArguments();
    o.inputFile = parser.value(input);
    o.directory = parser.value(dir);
    o.logFile = parser.value(logFile);
    o.json = parser.isSet(json);
    for (const QCommandLineOption *option :
         { &input, &dir, &workers, &connections, &timeout, &retries, &retryWait, &limitRate, &overallLimit,
           &perHost, &maxConnections, &logFile, &json }) {
        if (parser.isSet(*option))
            o.given.append(option->names().constLast());
    }
    if (!o.headless && o.json)
        return usageError(u"heiko: --json needs --headless (the window shows its events itself)"_s);
    if (parser.isSet(workers)
        && !parseInt(parser.value(workers), 1, heiko::EngineOptions::kMaxWorkersLimit, &o.engine.maxWorkers))
        return usageError(u"heiko: invalid --max-workers '%1': give a whole number from 1 to %2"_s.arg(
            parser.value(workers), QString::number(heiko::EngineOptions::kMaxWorkersLimit)));
    if (parser.isSet(connections)
        && !parseInt(parser.value(connections), 1, heiko::EngineOptions::kMaxConnectionsLimit,
                     &o.engine.connectionsPerFile))
        return usageError(u"heiko: invalid --connections '%1': give a whole number from 1 to %2"_s.arg(
            parser.value(connections), QString::number(heiko::EngineOptions::kMaxConnectionsLimit)));
    if (parser.isSet(limitRate) && !parseRate(parser.value(limitRate), &o.engine.downloadRateLimit))
        return usageError(u"heiko: invalid --limit-rate '%1': give bytes per second, e.g. 500K or 2M"_s.arg(
            parser.value(limitRate)));
    if (parser.isSet(overallLimit) && !parseRate(parser.value(overallLimit), &o.engine.overallRateLimit))
        return usageError(u"heiko: invalid --max-overall-limit '%1': give bytes per second, e.g. 10M"_s.arg(
            parser.value(overallLimit)));
    if (parser.isSet(perHost) && !parseInt(parser.value(perHost), 1, 64, &o.engine.maxConnectionsPerHost))
        return usageError(u"heiko: invalid --max-per-host '%1': give a whole number from 1 to 64"_s.arg(
            parser.value(perHost)));
    if (parser.isSet(maxConnections)
        && !parseInt(parser.value(maxConnections), 1, 1024, &o.engine.maxConnections))
        return usageError(u"heiko: invalid --max-connections '%1': give a whole number from 1 to 1024"_s.arg(
            parser.value(maxConnections)));
    if (parser.isSet(retries) && !parseInt(parser.value(retries), 0, 100, &o.engine.retries))
        return usageError(
            u"heiko: invalid --retries '%1': give a whole number from 0 to 100"_s.arg(parser.value(retries)));
    if (parser.isSet(timeout)) {
        double seconds = 0;
        if (!parseSeconds(parser.value(timeout), 0.1, 86400, &seconds))
            return usageError(u"heiko: invalid --timeout '%1': give seconds from 0.1 to 86400"_s.arg(
                parser.value(timeout)));
        o.engine.timeout = std::chrono::milliseconds(qint64(seconds * 1000));
    }
    if (parser.isSet(retryWait)) {
        double seconds = 0;
        if (!parseSeconds(parser.value(retryWait), 0, 3600, &seconds))
            return usageError(u"heiko: invalid --retry-wait '%1': give seconds from 0 to 3600"_s.arg(
                parser.value(retryWait)));
        o.engine.retryBaseDelay = std::chrono::milliseconds(qint64(seconds * 1000));
    }
    if (o.headless && o.urls.isEmpty() && o.inputFile.isEmpty())
        return usageError(u"heiko: nothing to download: give URLs or --input-file FILE"_s);
    return result;
}

heiko::EngineOptions CommandLine::Options::engineOver(heiko::EngineOptions saved) const
{
    const auto take = [&](QStringView name, auto heiko::EngineOptions::*member) {
        if (given.contains(name))
            saved.*member = engine.*member;
    };
    take(u"max-workers", &heiko::EngineOptions::maxWorkers);
    take(u"connections", &heiko::EngineOptions::connectionsPerFile);
    take(u"timeout", &heiko::EngineOptions::timeout);
    take(u"retries", &heiko::EngineOptions::retries);
    take(u"retry-wait", &heiko::EngineOptions::retryBaseDelay);
    take(u"limit-rate", &heiko::EngineOptions::downloadRateLimit);
    take(u"max-overall-limit", &heiko::EngineOptions::overallRateLimit);
    take(u"max-per-host", &heiko::EngineOptions::maxConnectionsPerHost);
    take(u"max-connections", &heiko::EngineOptions::maxConnections);
    return saved;
}
