#include "downloadtablemodel.h"

#include "downloadmanager.h"
#include "units.h"

#include <QDateTime>

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;

namespace {

// A body without a length (chunked, or ending with the connection) has one once it is finished.
qint64 knownSize(const heiko::DownloadInfo &info)
{
    if (info.bytesTotal < 0 && info.state == heiko::DownloadState::Finished && info.bytesReceived > 0)
        return info.bytesReceived; // not a file skipped as already there: nothing was received for it
    return info.bytesTotal;
}

} // namespace

DownloadTableModel::DownloadTableModel(heiko::DownloadManager &manager, QObject *parent)
    : QAbstractTableModel(parent)
    , m_manager(manager)
{
    for (const int id : manager.ids()) {
        m_rowOfId.insert(id, int(m_rows.size()));
        m_rows.append(manager.info(id));
    }
    connect(&manager, &heiko::DownloadManager::downloadAdded, this, &DownloadTableModel::handleAdded);
    connect(&manager, &heiko::DownloadManager::downloadChanged, this, &DownloadTableModel::handleChanged);
    connect(&manager, &heiko::DownloadManager::downloadStarted, this, &DownloadTableModel::handleChanged);
    connect(&manager, &heiko::DownloadManager::downloadFinished, this, &DownloadTableModel::handleChanged);
    connect(&manager, &heiko::DownloadManager::downloadFailed, this, &DownloadTableModel::handleChanged);
    connect(&manager, &heiko::DownloadManager::progressUpdated, this, &DownloadTableModel::handleProgress);
    connect(&manager, &heiko::DownloadManager::downloadRemoved, this, &DownloadTableModel::handleRemoved);
    m_countdownTimer.setInterval(1000);
    connect(&m_countdownTimer, &QTimer::timeout, this, &DownloadTableModel::refreshCountdowns);
}

void DownloadTableModel::refresh(int id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_rows[row] = m_manager.info(id);
    if (m_rows.at(row).retryAtMs > 0) {
        m_countingDown.insert(id);
        if (!m_countdownTimer.isActive())
            m_countdownTimer.start();
    } else {
        m_countingDown.remove(id);
    }
}

void DownloadTableModel::refreshCountdowns()
{
    const QSet<int> ids = m_countingDown;
    for (const int id : ids) {
        refresh(id);
        const int row = rowOf(id);
        if (row >= 0)
            Q_EMIT dataChanged(index(row, State), index(row, State));
    }
    if (m_countingDown.isEmpty())
        m_countdownTimer.stop();
}

void DownloadTableModel::endBulkUpdate()
{
    if (--m_bulkDepth > 0)
        return;
    if (!m_pendingRemoved.isEmpty()) {
        QList<int> rows;
        rows.reserve(m_pendingRemoved.size());
        for (const int id : std::as_const(m_pendingRemoved)) {
            if (const int row = rowOf(id); row >= 0)
                rows.append(row);
            m_pendingChanged.remove(id);
            m_countingDown.remove(id);
        }
        std::sort(rows.begin(), rows.end(), std::greater<int>());
        // From the bottom up, one removal per run of adjacent rows: rows above stay where they are.
        for (qsizetype i = 0; i < rows.size();) {
            qsizetype j = i;
            while (j + 1 < rows.size() && rows.at(j + 1) == rows.at(j) - 1)
                ++j;
            const int first = rows.at(j);
            const int last = rows.at(i);
            beginRemoveRows({}, first, last);
            for (int row = first; row <= last; ++row)
                m_rowOfId.remove(m_rows.at(row).id);
            m_rows.remove(first, last - first + 1);
            endRemoveRows();
            i = j + 1;
        }
        m_pendingRemoved.clear();
        rebuildRowIndex(0);
    }
    if (!m_pendingChanged.isEmpty()) {
        int first = int(m_rows.size());
        int last = -1;
        for (const int id : std::as_const(m_pendingChanged)) {
            const int row = rowOf(id);
            if (row < 0)
                continue;
            refresh(id);
            first = qMin(first, row);
            last = qMax(last, row);
        }
        m_pendingChanged.clear();
        if (last >= first)
            Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    }
}

int DownloadTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DownloadTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int DownloadTableModel::idAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id : -1;
}

int DownloadTableModel::rowOf(int id) const
{
    return m_rowOfId.value(id, -1);
}

const heiko::DownloadInfo &DownloadTableModel::infoAt(int row) const
{
    return m_rows.at(row);
}

QVariant DownloadTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heiko::DownloadInfo &info = m_rows.at(index.row());
    const double fraction = info.bytesTotal > 0        ? double(info.bytesReceived) / double(info.bytesTotal)
        : info.state == heiko::DownloadState::Finished ? 1.0
                                                       : 0.0;
    switch (role) {
    case IdRole:
        return info.id;
    case StateRole:
        return int(info.state);
    case SegmentsRole:
        return QVariant::fromValue(info.segments); // implicitly shared: no copy of the pieces
    case BytesTotalRole:
        return info.bytesTotal;
    case Qt::DecorationRole:
        if (index.column() == Worker && info.workerThread && m_workerColors) {
            const QColor color = m_workerColors(info.workerThread);
            if (color.isValid())
                return color;
        }
        return {};
    case Qt::ToolTipRole: {
        const QString what = info.error.isError() ? info.error.message()
            : !info.filePath.isEmpty()            ? info.filePath
                                                  : info.displayUrl;
        if (index.column() == Progress && !info.segments.isEmpty())
            return QString(piecesText(info) + u'\n' + what);
        return what;
    }
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case Size:
        case Done:
        case Speed:
        case Eta:
        case Worker:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case Name:
            return info.fileName;
        case Progress:
            return fraction;
        case Size:
            return knownSize(info);
        case Done:
            return info.bytesReceived;
        case Speed:
            return info.bytesPerSecond;
        case Eta:
            return info.etaSeconds;
        case State:
            return int(info.state);
        case Worker:
            return info.workerThread;
        case Url:
            return info.displayUrl;
        default:
            return {};
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return info.fileName;
        case Progress:
            return u"%1%"_s.arg(int(fraction * 100));
        case Size: {
            const qint64 size = knownSize(info);
            return size >= 0 ? heiko::units::formatBytes(size) : QString();
        }
        case Done:
            return heiko::units::formatBytes(info.bytesReceived);
        case Speed:
            return info.state == heiko::DownloadState::Running
                ? heiko::units::formatSpeed(info.bytesPerSecond)
                : QString();
        case Eta:
            return info.state == heiko::DownloadState::Running ? heiko::units::formatDuration(info.etaSeconds)
                                                               : QString();
        case State:
            return stateText(info);
        case Worker:
            return info.workerThread ? QString::number(info.workerThread) : QString();
        case Url:
            return info.displayUrl;
        default:
            return {};
        }
    default:
        return {};
    }
}

QString DownloadTableModel::stateText(const heiko::DownloadInfo &info)
{
    switch (info.state) {
    case heiko::DownloadState::Queued:
        if (info.retryAtMs > 0) {
            const qint64 seconds
                = qMax<qint64>(0, (info.retryAtMs - QDateTime::currentMSecsSinceEpoch() + 999) / 1000);
            // Never tried yet: it waits for its server's cool-down (a 429 or 503 to another download).
            return info.attempt > 0 ? tr("Retrying in %1 s").arg(seconds) : tr("Waiting %1 s").arg(seconds);
        }
        return tr("Queued");
    case heiko::DownloadState::Running:
        return info.bytesReceived > 0 || info.bytesTotal >= 0 ? tr("Running") : tr("Connecting");
    case heiko::DownloadState::Paused:
        return tr("Paused");
    case heiko::DownloadState::Finished:
        return tr("Finished");
    case heiko::DownloadState::Failed:
        return tr("Failed");
    case heiko::DownloadState::Cancelled:
        return tr("Cancelled");
    }
    return {};
}

QString DownloadTableModel::piecesText(const heiko::DownloadInfo &info)
{
    if (info.segments.isEmpty())
        return {};
    const auto pieces = int(info.segments.size());
    const auto done = int(std::count_if(info.segments.cbegin(), info.segments.cend(),
                                        [](const heiko::Segment &segment) { return segment.isDone(); }));
    const QString progress = tr("%1 of %2 pieces done").arg(done).arg(pieces);
    if (info.state != heiko::DownloadState::Running || info.connections <= 0)
        return progress;
    const QString open
        = info.connections == 1 ? tr("1 connection") : tr("%1 connections").arg(info.connections);
    return tr("%1 · %2").arg(open, progress);
}

QVariant DownloadTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Progress:
        return tr("Progress");
    case Size:
        return tr("Size");
    case Done:
        return tr("Done");
    case Speed:
        return tr("Speed");
    case Eta:
        return tr("ETA");
    case State:
        return tr("State");
    case Worker:
        return tr("Worker");
    case Url:
        return tr("URL");
    default:
        return {};
    }
}

void DownloadTableModel::handleAdded(int id)
{
    if (m_rowOfId.contains(id))
        return;
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(m_manager.info(id));
    m_rowOfId.insert(id, row);
    endInsertRows();
}

void DownloadTableModel::handleChanged(int id)
{
    if (m_bulkDepth > 0) {
        m_pendingChanged.insert(id);
        return;
    }
    const int row = rowOf(id);
    if (row < 0)
        return;
    refresh(id);
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void DownloadTableModel::handleProgress(const QList<int> &ids)
{
    int first = int(m_rows.size());
    int last = -1;
    for (const int id : ids) {
        const int row = rowOf(id);
        if (row < 0)
            continue;
        refresh(id);
        first = qMin(first, row);
        last = qMax(last, row);
    }
    if (last >= first)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

void DownloadTableModel::handleRemoved(int id)
{
    if (m_bulkDepth > 0) {
        m_pendingRemoved.insert(id);
        return;
    }
    m_countingDown.remove(id);
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    m_rowOfId.remove(id);
    rebuildRowIndex(row);
    endRemoveRows();
}

void DownloadTableModel::rebuildRowIndex(int fromRow)
{
    for (int row = fromRow; row < m_rows.size(); ++row)
        m_rowOfId[m_rows.at(row).id] = row;
}
