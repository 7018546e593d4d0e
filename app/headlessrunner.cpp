#include "headlessrunner.h"

#include "commandlineurls.h"
#include "downloadmanager.h"
#include "filenaming.h"
#include "jsoneventwriter.h"
#include "loghub.h"
#include "platform.h"
#include "queuepersistence.h"
#include "queuestore.h"
#include "secretmasking.h"
#include "signalwatcher.h"
#include "terminalprogress.h"
#include "units.h"
#include "urllist.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kJsonProgressIntervalMs = 1000;
} // namespace

HeadlessRunner::HeadlessRunner(CommandLine::Options options, heiko::LogHub &log, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_log(log)
{ }

HeadlessRunner::~HeadlessRunner() = default;

int HeadlessRunner::run()
{
    m_elapsed.start();
    if (!m_options.logFile.isEmpty()) {
        QString error;
        if (!m_log.setLogFile(m_options.logFile, &error)) {
            std::fprintf(stderr, "heiko: %s\n", qPrintable(error));
            return UsageError;
        }
    }
    if (heiko::platform::isTerminal(stderr)) {
        connect(&m_log, &heiko::LogHub::recordsAdded, this, &HeadlessRunner::handleRecordsAdded);
    } else {
        m_log.setEchoStream(stderr, heiko::LogLevel::Info);
    }

    if (m_options.directory.isEmpty()) {
        m_options.directory = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
        if (m_options.directory.isEmpty())
            m_options.directory = QDir::currentPath();
    }
    m_options.directory = QDir(m_options.directory).absolutePath();
    if (m_options.json)
        m_json = std::make_unique<JsonEventWriter>(stdout);
    // Read the whole list before touching the disk: a usage mistake must leave no trace.
    QList<heiko::DownloadRequest> requests;
    if (!readRequests(&requests))
        return UsageError;
    if (m_skipped > 0)
        m_exitCode = SomeFailed;

    if (!QDir().mkpath(m_options.directory) || !QFileInfo(m_options.directory).isDir()) {
        std::fprintf(stderr, "heiko: cannot create the folder %s; choose another with --dir\n",
                     qPrintable(QDir::toNativeSeparators(m_options.directory)));
        return SomeFailed;
    }
    if (!QFileInfo(m_options.directory).isWritable()) {
        std::fprintf(stderr, "heiko: the folder %s is not writable; choose another with --dir\n",
                     qPrintable(QDir::toNativeSeparators(m_options.directory)));
        return SomeFailed;
    }

    m_manager = std::make_unique<heiko::DownloadManager>(m_log, m_options.engine);
    // Not with --json on the same terminal: a redraw moves the cursor up over the live rows and erases to the
    // end of the screen, and the JSON lines printed since would go with them.
    if (heiko::platform::isTerminal(stderr) && !(m_json && heiko::platform::isTerminal(stdout)))
        m_terminal = std::make_unique<TerminalProgress>(stderr, *m_manager);

    heiko::DownloadManager *manager = m_manager.get();
    connect(manager, &heiko::DownloadManager::downloadStarted, this, [this, manager](int id) {
        if (m_json)
            m_json->started(manager->info(id));
    });
    connect(manager, &heiko::DownloadManager::downloadFinished, this, [this, manager](int id) {
        if (m_json)
            m_json->finished(manager->info(id));
    });
    connect(manager, &heiko::DownloadManager::downloadFailed, this, [this, manager](int id) {
        m_exitCode = SomeFailed;
        if (m_json)
            m_json->failed(manager->info(id));
    });
    connect(manager, &heiko::DownloadManager::progressUpdated, this, &HeadlessRunner::handleProgress);
    connect(manager, &heiko::DownloadManager::idle, this, &HeadlessRunner::handleIdle);

    m_signals = std::make_unique<SignalWatcher>();
    connect(m_signals.get(), &SignalWatcher::interrupted, this, &HeadlessRunner::handleInterrupt);

    m_log.info(HEIKO_HERE,
               u"[heiko] %1 worker(s), saving into %2"_s.arg(QString::number(m_options.engine.maxWorkers),
                                                             QDir::toNativeSeparators(m_options.directory)));
    if (requests.isEmpty() && m_skipped == 0)
        m_log.warning(HEIKO_HERE, u"[list] no URLs to download"_s);
    addRequests(requests);
    if (!m_manager->isIdle())
        QCoreApplication::exec();

    // Workers stop and sync their .part files before the last save, so that the next run continues from
    // every byte.
    m_manager->stopAndWait();
    m_persistence.reset();
    printSummary();
    m_signals.reset();
    m_manager.reset();
    if (m_interrupted)
        return Interrupted;
    return m_exitCode;
}

void HeadlessRunner::addRequests(const QList<heiko::DownloadRequest> &requests)
{
    // What an earlier run of this command left unfinished in this folder: the same URL (passwords are not
    // saved, so compared without them), folder and name continue their .part files.
    const QString dataFolder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    heiko::QueueStore store(heiko::QueueStore::headlessStatePath(dataFolder, m_options.directory));
    QString notice;
    QList<heiko::SavedDownload> saved = store.loadAtStart(&notice);
    QList<heiko::SavedDownload> taken; // continued by this run: its entries in the file from now on
    if (!notice.isEmpty())
        m_log.warning(HEIKO_HERE, u"[queue] "_s + notice);
    for (const heiko::DownloadRequest &request : requests) {
        // Made only when there is something to compare it with: a list of thousands is otherwise added
        // without one string per URL.
        const QString url
            = saved.isEmpty() ? QString() : request.url.toString(QUrl::RemovePassword | QUrl::FullyEncoded);
        const auto match = std::find_if(saved.begin(), saved.end(), [&](const heiko::SavedDownload &d) {
            return d.isUnfinished() && d.url.toString(QUrl::FullyEncoded) == url
                && QDir(d.directory) == QDir(request.directory) && d.requestedName == request.fileName;
        });
        int id = -1;
        if (match != saved.end()) {
            id = m_manager->add(request, &*match);
            taken.append(*match);
            saved.erase(match);
        } else {
            id = m_manager->add(request);
        }
        if (m_json)
            m_json->added(m_manager->info(id));
    }
    m_persistence = std::make_unique<heiko::QueuePersistence>(
        *m_manager, store, heiko::QueuePersistence::Mode::UnfinishedOnly, m_log);
    // Another run into this folder may be saving into the same file: each save keeps that run's entries.
    m_persistence->shareFileWithOtherRuns(taken);
}

bool HeadlessRunner::readRequests(QList<heiko::DownloadRequest> *requests)
{
    const CommandLineUrls urls = CommandLineUrls::read(m_options.urls, m_options.inputFile);
    if (!urls.error().isEmpty()) {
        std::fprintf(stderr, "heiko: %s\n", qPrintable(urls.error()));
        return false;
    }
    for (const CommandLineUrls::Problem &refused : urls.refused())
        reportSkipped(refused.where, refused.text, refused.reason);
    m_skipped += int(urls.refusedCount() - urls.refused().size()); // lines only counted in a summary record
    for (const CommandLineUrls::Problem &warning : urls.warnings())
        m_log.warning(HEIKO_HERE, u"[list] %1: %2"_s.arg(warning.where, warning.reason));
    for (const CommandLineUrls::Entry &entry : urls.entries()) {
        heiko::DownloadRequest request;
        request.url = entry.entry.url;
        request.fileName = entry.entry.fileName;
        request.directory = m_options.directory;
        if (!entry.entry.directory.isEmpty()) {
            // A list may come from anyone: its dir= stays inside the target folder.
            const QString subfolder = heiko::naming::safeSubfolder(entry.entry.directory);
            if (subfolder.isEmpty()) {
                reportSkipped(
                    entry.where, u"dir="_s + entry.entry.directory.left(120),
                    u"dir= must name a folder inside the target folder (no absolute path, no ..)"_s);
                continue;
            }
            request.directory = QDir(m_options.directory).filePath(subfolder);
        }
        requests->append(request);
    }
    return true;
}

void HeadlessRunner::reportSkipped(const QString &source, const QString &text, const QString &reason)
{
    ++m_skipped;
    m_log.warning(HEIKO_HERE, u"[list] %1 skipped: %2: %3"_s.arg(source, reason, text));
    if (m_json)
        m_json->skipped(source, text, reason);
}

void HeadlessRunner::handleRecordsAdded()
{
    QList<QString> lines;
    const QList<heiko::LogRecord> records = m_log.recordsSince(m_lastRecord);
    for (const heiko::LogRecord &record : records) {
        m_lastRecord = record.sequence;
        if (record.level >= heiko::LogLevel::Info)
            lines.append(record.toText());
    }
    if (m_terminal) {
        m_terminal->update(lines);
    } else {
        for (const QString &line : std::as_const(lines))
            std::fprintf(stderr, "%s\n", qPrintable(line));
    }
}

void HeadlessRunner::handleProgress(const QList<int> &ids)
{
    if (m_terminal)
        m_terminal->update({});
    if (!m_json)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const int id : ids) {
        qint64 &last = m_lastJsonProgress[id];
        if (now - last < kJsonProgressIntervalMs)
            continue;
        last = now;
        const heiko::DownloadInfo info = m_manager->info(id);
        if (info.state == heiko::DownloadState::Running)
            m_json->progress(info);
    }
}

void HeadlessRunner::handleIdle()
{
    QCoreApplication::exit(0);
}

void HeadlessRunner::handleInterrupt(int count)
{
    m_interrupted = true;
    if (count > 1) {
        QCoreApplication::exit(0); // the manager's destructor still stops the workers
        return;
    }
    m_log.warning(HEIKO_HERE,
                  u"[heiko] interrupted: stopping; unfinished downloads keep their .part files "
                  u"(press Ctrl+C again to quit at once)"_s);
    m_manager->pauseAll();
    if (m_manager->isIdle())
        QCoreApplication::exit(0);
}

void HeadlessRunner::printSummary()
{
    const heiko::DownloadManager::StateCounts counts = m_manager->stateCounts();
    // Not info() per download: it builds each one's masked address, 5,000 of them at the end of a run. What
    // this run fetched: not the bytes an earlier run had left in its .part files (the size and the speed
    // would count them as if they had come now).
    const qint64 bytes = m_manager->bytesFetched();
    const double seconds = qMax(0.001, double(m_elapsed.elapsed()) / 1000.0);
    m_log.info(HEIKO_HERE,
               u"[summary] %1 finished, %2 failed, %3 paused, %4 skipped; %5 in %6 s (%7)"_s.arg(
                   QString::number(counts.finished), QString::number(counts.failed + counts.cancelled),
                   QString::number(counts.paused + counts.queued), QString::number(m_skipped),
                   heiko::units::formatBytes(bytes), QString::number(seconds, 'f', 2),
                   heiko::units::formatSpeed(double(bytes) / seconds)));
    if (m_terminal) {
        handleRecordsAdded();
        m_terminal->clear();
    }
}
