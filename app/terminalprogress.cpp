#include "terminalprogress.h"

#include "downloadmanager.h"
#include "platform.h"
#include "units.h"

using namespace Qt::StringLiterals;

namespace {
constexpr int kRedrawIntervalMs = 200;
constexpr int kMaxRows = 16; // more running downloads are summarised in one line
} // namespace

TerminalProgress::TerminalProgress(std::FILE *stream, const heiko::DownloadManager &manager)
    : m_stream(stream)
    , m_manager(manager)
{ }

void TerminalProgress::clear()
{
    if (m_blockLines > 0) {
        const QByteArray erase = "\x1b[" + QByteArray::number(m_blockLines) + "F\x1b[J";
        std::fwrite(erase.constData(), 1, size_t(erase.size()), m_stream);
        std::fflush(m_stream);
    }
    m_blockLines = 0;
}

void TerminalProgress::update(const QList<QString> &lines, bool force)
{
    if (lines.isEmpty() && !force && m_sinceDraw.isValid() && m_sinceDraw.elapsed() < kRedrawIntervalMs)
        return;
    m_sinceDraw.start();
    QByteArray out;
    if (m_blockLines > 0)
        out += "\x1b[" + QByteArray::number(m_blockLines) + "F\x1b[J"; // up to the block's start, erase
    for (const QString &line : lines)
        out += line.toUtf8() + '\n';
    // The block is redrawn in place by moving up one line per row, so a row must never wrap: autowrap is
    // off while it is drawn (the terminal cuts long rows) and back on for the log lines above it.
    const QString block = renderBlock();
    out += "\x1b[?7l" + block.toUtf8() + "\x1b[?7h";
    m_blockLines = int(block.count(u'\n'));
    std::fwrite(out.constData(), 1, size_t(out.size()), m_stream);
    std::fflush(m_stream);
}

QString TerminalProgress::renderBlock() const
{
    const int reported = heiko::platform::terminalColumns(m_stream);
    const int columns = reported > 0 ? reported : 80;
    QString block;
    qint64 totalSpeed = 0;
    int shown = 0;
    const QList<int> running = m_manager.runningIds();
    for (const int id : running) {
        const heiko::DownloadInfo info = m_manager.info(id);
        totalSpeed += qint64(info.bytesPerSecond);
        if (shown++ >= kMaxRows)
            continue;
        const double fraction
            = info.bytesTotal > 0 ? double(info.bytesReceived) / double(info.bytesTotal) : 0.0;
        constexpr int barWidth = 20;
        const int filled = qBound(0, int(fraction * barWidth), barWidth);
        const QString bar = QString(filled, u'#') + QString(barWidth - filled, u'.');
        const QString percent = info.bytesTotal > 0 ? u"%1%"_s.arg(int(fraction * 100), 3) : u"  ?%"_s;
        const QString stats = u" [%1] %2 %3/%4 %5 eta %6 thread:%7"_s.arg(
            bar, percent, heiko::units::formatBytes(info.bytesReceived),
            heiko::units::formatBytes(info.bytesTotal), heiko::units::formatSpeed(info.bytesPerSecond),
            heiko::units::formatDuration(info.etaSeconds), QString::number(info.workerThread));
        const int nameWidth = qMax(8, columns - int(stats.size()) - 3);
        QString name = info.fileName;
        if (name.size() > nameWidth)
            name = name.left(nameWidth - 1) + u'…';
        block += u"  "_s + name.leftJustified(nameWidth) + stats + u'\n';
    }
    if (shown > kMaxRows)
        block += u"  … and %1 more running\n"_s.arg(shown - kMaxRows);
    const heiko::DownloadManager::StateCounts counts = m_manager.stateCounts();
    block += u"  %1 running, %2 queued, %3 finished, %4 failed — %5 — workers %6/%7\n"_s.arg(
        QString::number(counts.running), QString::number(counts.queued), QString::number(counts.finished),
        QString::number(counts.failed + counts.cancelled), heiko::units::formatSpeed(double(totalSpeed)),
        QString::number(m_manager.busyWorkers()), QString::number(m_manager.maxWorkers()));
    return block;
}
