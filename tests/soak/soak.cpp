// Soak test (not part of ctest: it runs for minutes): N downloads from the loopback fault server, each
// meeting a random sequence of faults before the server behaves, with 8 workers. At the end every file must
// be byte-identical to its source and the process's memory must not have grown with the number of downloads.
//   heiko_soak [DOWNLOADS (2000)] [WORKERS (8)] [SEED] [CONNECTIONS PER FILE (1)]
// With more than one connection per file, a quarter of the files are 2-8 MiB, so that they are fetched in
// pieces, and the faults hit the pieces' requests as well.
#include "downloadmanager.h"
#include "loghub.h"
#include "testhttpserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;
using Response = TestHttpServer::Response;

namespace {

qint64 rssKiB(const char *field)
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qsizetype(qstrlen(field))).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

Response good(qint64 size, quint32 seed)
{
    Response r;
    r.bodySize = size;
    r.seed = seed;
    r.etag = "\"s" + QByteArray::number(seed) + '"';
    return r;
}

// One fault, picked at random; the kinds are the transfer rows of docs/reliability.md.
Response fault(QRandomGenerator &random, qint64 size, quint32 seed, QStringList *kinds)
{
    Response r = good(size, seed);
    switch (random.bounded(7)) {
    case 0:
        r.cutAfter = random.bounded(size + 1);
        kinds->append(u"reset mid-body"_s);
        break;
    case 1:
        r.stallAfter = random.bounded(size + 1);
        kinds->append(u"stall"_s);
        break;
    case 2:
        r = Response {};
        r.status = 503;
        r.headers = { { "Retry-After", "0" } };
        kinds->append(u"503"_s);
        break;
    case 3:
        r = Response {};
        r.status = 500;
        kinds->append(u"500"_s);
        break;
    case 4:
        r.acceptRanges = false; // answers a resume with the whole file (200)
        r.cutAfter = random.bounded(size + 1);
        kinds->append(u"200 to a range, then reset"_s);
        break;
    case 5:
        r.contentLengthOverride = size + 1 + random.bounded(1000); // announces more than it sends
        kinds->append(u"short body"_s);
        break;
    default:
        r = Response {};
        r.status = 429;
        r.headers = { { "Retry-After", "0" } };
        kinds->append(u"429"_s);
        break;
    }
    return r;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? QByteArray(argv[1]).toInt() : 2000;
    const int workers = argc > 2 ? QByteArray(argv[2]).toInt() : 8;
    const quint32 seed = argc > 3 ? QByteArray(argv[3]).toUInt() : 20261126u;
    const int connections = argc > 4 ? QByteArray(argv[4]).toInt() : 1;
    QRandomGenerator random(seed);

    TestHttpServer server;
    if (!server.start())
        return 2;
    QTemporaryDir dir;
    QMap<QString, int> faultCounts;
    QList<QPair<qint64, quint32>> files;
    for (int i = 0; i < count; ++i) {
        const qint64 bigFrom = connections > 1 ? 2 * 1024 * 1024 : 512 * 1024;
        const qint64 bigTo = connections > 1 ? 8 * 1024 * 1024 : 2 * 1024 * 1024;
        const qint64 size
            = random.bounded(4) == 0 ? random.bounded(bigFrom, bigTo) : random.bounded(1, 64 * 1024);
        const quint32 fileSeed = seed + quint32(i);
        QList<Response> sequence;
        QStringList kinds;
        const int faults = random.bounded(4); // 0-3 faults, then it behaves
        for (int f = 0; f < faults; ++f)
            sequence.append(fault(random, size, fileSeed, &kinds));
        Response behaves = good(size, fileSeed);
        behaves.headWithBody = random.bounded(2) == 0; // half of the small ones come whole with their head
        sequence.append(behaves);
        for (const QString &kind : std::as_const(kinds))
            ++faultCounts[kind];
        server.setResponseSequence("/f/" + QByteArray::number(i) + ".bin", sequence);
        files.append({ size, fileSeed });
    }

    heiko::LogHub log(1000);
    heiko::EngineOptions options;
    options.maxWorkers = workers;
    options.connectionsPerFile = connections;
    options.retries = 10;
    options.retryBaseDelay = std::chrono::milliseconds(20);
    options.retryMaxDelay = std::chrono::milliseconds(200);
    options.timeout = std::chrono::milliseconds(700);
    heiko::DownloadManager manager(log, options);

    qint64 rssAtQuarter = -1;
    qint64 peakRss = 0;
    int done = 0;
    QTimer sampler;
    QObject::connect(&sampler, &QTimer::timeout, &app, [&] {
        const qint64 rss = rssKiB("VmRSS:");
        peakRss = qMax(peakRss, rss);
        const auto counts = manager.stateCounts();
        done = counts.finished + counts.failed;
        if (rssAtQuarter < 0 && done >= count / 4)
            rssAtQuarter = rss;
    });
    sampler.start(500);
    QObject::connect(&manager, &heiko::DownloadManager::idle, &app, &QCoreApplication::quit);

    const qint64 rssBefore = rssKiB("VmRSS:");
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < count; ++i)
        manager.add({ server.url("/f/" + QByteArray::number(i) + ".bin"), dir.path(), {}, false });
    app.exec();
    const qint64 seconds = clock.elapsed() / 1000;
    const qint64 rssAfter = rssKiB("VmRSS:");

    int intact = 0;
    int failed = 0;
    int corrupt = 0;
    for (const int id : manager.ids()) {
        const heiko::DownloadInfo info = manager.info(id);
        const auto [size, fileSeed] = files.at(id - 1);
        if (info.state != heiko::DownloadState::Finished) {
            ++failed;
            std::printf("not finished: #%d %s: %s\n", id, qPrintable(info.fileName),
                        qPrintable(info.error.message()));
            continue;
        }
        QFile file(info.filePath);
        if (file.open(QIODevice::ReadOnly)
            && file.readAll() == TestHttpServer::patternBytes(fileSeed, 0, size))
            ++intact;
        else
            ++corrupt;
    }
    const int leftovers = int(QDir(dir.path()).entryList({ u"*.part"_s }, QDir::Files).size());
    std::printf("downloads %d, workers %d, connections per file %d, seed %u, %lld s\n", count, workers,
                connections, seed, seconds);
    std::printf("faults injected:");
    for (auto it = faultCounts.cbegin(); it != faultCounts.cend(); ++it)
        std::printf(" %s %d;", qPrintable(it.key()), it.value());
    std::printf("\nintact %d, corrupt %d, not finished %d, .part files left %d\n", intact, corrupt, failed,
                leftovers);
    std::printf("RSS KiB: before %lld, at 25%% %lld, peak %lld, after %lld (VmHWM %lld)\n", rssBefore,
                rssAtQuarter, peakRss, rssAfter, rssKiB("VmHWM:"));
    return (intact == count && leftovers == 0) ? 0 : 1;
}
