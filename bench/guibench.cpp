// Measures how responsive the window stays under load: 10,000 downloads in the table (16 of them running
// against a throttled loopback server, so progress batches arrive ten times a second) while 1,000 log
// records a second arrive from another thread. It reports the GUI event loop's stalls (the lateness of a
// 5 ms timer: longest and 99th percentile) and the time from process start to the window's first paint.
// Run it under a real X server (bench/run-guibench.sh uses Xvfb); it is a benchmark, not a test.
#include "addurlsdialog.h"
#include "appsettings.h"
#include "downloadmanager.h"
#include "loghub.h"
#include "logmodel.h"
#include "logpanel.h"
#include "mainwindow.h"
#include "mimeurlreader.h"
#include "testhttpserver.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QMimeData>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

QElapsedTimer g_sinceStart;

class FirstPaint final : public QObject
{
public:
    qint64 ms = -1;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && ms < 0)
            ms = g_sinceStart.elapsed();
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

int main(int argc, char *argv[])
{
    g_sinceStart.start();
    QApplication app(argc, argv);
    const int rows = argc > 1 ? QByteArray(argv[1]).toInt() : 10'000;
    const int recordsPerSecond = argc > 2 ? QByteArray(argv[2]).toInt() : 1'000;
    const int seconds = argc > 3 ? QByteArray(argv[3]).toInt() : 10;

    QTemporaryDir dir;
    QSettings store(dir.filePath(u"bench.ini"_s), QSettings::IniFormat);
    AppSettings settings(store);
    settings.setDownloadFolder(dir.path());
    settings.setNotifications(false);
    heiko::LogHub log;
    heiko::EngineOptions options;
    options.maxWorkers = 16;
    heiko::DownloadManager manager(log, options);
    MainWindow window(manager, log, settings);
    FirstPaint firstPaint;
    window.downloadView()->viewport()->installEventFilter(&firstPaint);
    window.show();

    TestHttpServer server;
    server.start();
    TestHttpServer::Response slow;
    slow.bodySize = qint64(1) << 30;
    slow.bytesPerSecond = 256 * 1024;
    server.setResponse("/running.bin", slow);

    QElapsedTimer setup;
    setup.start();
    for (int i = 0; i < rows; ++i) {
        heiko::DownloadRequest request;
        request.directory = dir.path();
        if (i < 16) {
            request.url = server.url("/running.bin");
        } else {
            request.url = QUrl(u"http://127.0.0.1:9/queued/file-%1.bin"_s.arg(i));
            request.startPaused = true; // in the table, waiting: the user's 10,000-row list
        }
        manager.add(request);
    }
    const qint64 addMs = setup.elapsed();

    // A drop of 10,000 links: read, parsed and shown in the add dialog's preview.
    QString dropped;
    for (int i = 0; i < 10'000; ++i)
        dropped += u"https://example.com/album/track-%1.flac\n"_s.arg(i);
    QMimeData mime;
    mime.setText(dropped);
    QElapsedTimer dropClock;
    dropClock.start();
    const MimeUrlReader::Result read = MimeUrlReader::read(mime);
    AddUrlsDialog dialog({}, dir.path());
    dialog.setUrlList(read.urls);
    dialog.updatePreviewNow();
    dialog.show();
    QCoreApplication::processEvents();
    const qint64 dropMs = dropClock.elapsed();
    const int previewNew = dialog.previewCounts().newDownloads;
    dialog.reject();

    std::atomic<bool> stop { false };
    std::unique_ptr<QThread> writer(QThread::create([&log, &stop, recordsPerSecond] {
        QElapsedTimer clock;
        clock.start();
        qint64 written = 0;
        while (!stop.load()) {
            const qint64 due = clock.elapsed() * recordsPerSecond / 1000;
            for (; written < due; ++written)
                log.info(HEIKO_HERE, u"[bench] record %1 from a busy worker"_s.arg(written),
                         int(written % 16) + 1);
            QThread::msleep(1);
        }
    }));
    writer->start();

    std::vector<qint64> lateness;
    QElapsedTimer tick;
    tick.start();
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        lateness.push_back(qMax<qint64>(0, tick.nsecsElapsed() / 1000 - 5000)); // microseconds late
        tick.restart();
    });
    QTimer::singleShot(1000, &app, [&] { // after the window settled: measure the steady state
        tick.restart();
        probe.start();
    });
    QTimer::singleShot(1000 + seconds * 1000, &app, [&] { window.quitNow(); });
    app.exec();
    stop = true;
    writer->wait();

    std::sort(lateness.begin(), lateness.end());
    const auto percentile = [&lateness](double p) {
        return lateness.empty() ? 0.0 : double(lateness[size_t(double(lateness.size() - 1) * p)]) / 1000.0;
    };
    std::printf("rows %d, log records/s %d, %d s measured, %zu ticks\n", rows, recordsPerSecond, seconds,
                lateness.size());
    std::printf("adding %d downloads: %lld ms\n", rows, addMs);
    std::printf("dropping 10,000 links to a shown preview: %lld ms (%d new)\n", dropMs, previewNew);
    std::printf("start to first paint: %lld ms\n", firstPaint.ms);
    std::printf("event loop stall: max %.1f ms, p99 %.1f ms, median %.2f ms\n", percentile(1.0),
                percentile(0.99), percentile(0.5));
    std::printf("log rows in the window: %d\n", window.logPanel()->model()->rowCount());
    return 0;
}
