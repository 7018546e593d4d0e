#include "logmodel.h"

#include "loghub.h"
#include "platform.h"

#include <QDateTime>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>

using namespace Qt::StringLiterals;

namespace {

// Alpha of the row tint: enough to tell twelve hues apart, little enough that text keeps its contrast on
// both a white and a near-black base.
constexpr int RowTintAlpha = 56;

bool isDarkPalette()
{
    return QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
}

QColor levelColor(heiko::LogLevel level)
{
    // Lighter shades on a dark base, deeper ones on a light base: both readable as text.
    const bool dark = isDarkPalette();
    switch (level) {
    case heiko::LogLevel::Warning:
        return dark ? QColor(0xff, 0xb7, 0x4d) : QColor(0xa8, 0x5d, 0x00);
    case heiko::LogLevel::Error:
        return dark ? QColor(0xff, 0x6e, 0x6e) : QColor(0xc6, 0x28, 0x28);
    case heiko::LogLevel::Debug:
    case heiko::LogLevel::Info:
        break;
    }
    return {};
}

} // namespace

LogModel::LogModel(heiko::LogHub &hub, int maxRows, QObject *parent)
    : QAbstractTableModel(parent)
    , m_hub(hub)
    , m_maxRows(qMax(1, maxRows))
    , m_mainThreadId(heiko::platform::currentThreadId())
{
    // Queued even for writes from this thread: see the class comment (no re-entry during an insertion).
    connect(&hub, &heiko::LogHub::recordsAdded, this, &LogModel::handleRecordsAdded, Qt::QueuedConnection);
    m_fetchTimer.setSingleShot(true);
    connect(&m_fetchTimer, &QTimer::timeout, this, &LogModel::fetchNew);
    fetchNew();
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const heiko::LogRecord &record = m_records.at(index.row());
    switch (role) {
    case ThreadRole:
        return record.threadId;
    case LevelRole:
        return int(record.level);
    case DownloadRole:
        return record.downloadId;
    case Qt::ToolTipRole:
        return record.toText();
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return QDateTime::fromMSecsSinceEpoch(record.timeMs).toString(u"HH:mm:ss.zzz"_s);
        case Level:
            return heiko::LogRecord::levelName(record.level);
        case Process:
            return record.processId;
        case Thread:
            return record.threadId;
        case Download:
            return record.downloadId >= 0 ? QVariant(record.downloadId) : QVariant();
        case Source:
            return sourceText(record);
        case Message:
            return record.message;
        default:
            return {};
        }
    case Qt::TextAlignmentRole:
        if (index.column() == Process || index.column() == Thread || index.column() == Download)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DecorationRole:
        if (index.column() == Thread) {
            const QColor color = threadColor(record.threadId);
            if (color.isValid())
                return color;
        }
        return {};
    case Qt::BackgroundRole: {
        QColor color = threadColor(record.threadId);
        if (!color.isValid())
            return {};
        color.setAlpha(RowTintAlpha);
        return color;
    }
    case Qt::ForegroundRole:
        if (index.column() == Level || index.column() == Message) {
            const QColor color = levelColor(record.level);
            if (color.isValid())
                return color;
        }
        return {};
    case Qt::FontRole:
        if (index.column() == Level && record.level >= heiko::LogLevel::Warning) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    default:
        return {};
    }
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Level:
        return tr("Level");
    case Process:
        return tr("Process");
    case Thread:
        return tr("Thread");
    case Download:
        return tr("Download");
    case Source:
        return tr("Source");
    case Message:
        return tr("Message");
    default:
        return {};
    }
}

void LogModel::clear()
{
    if (m_records.isEmpty())
        return;
    beginResetModel();
    m_records.clear();
    endResetModel();
}

QColor LogModel::threadColor(quint64 threadId) const
{
    const auto it = m_threadColorIndex.constFind(threadId);
    if (it == m_threadColorIndex.cend())
        return {};
    return threadPalette().at(*it);
}

QString LogModel::sourceText(const heiko::LogRecord &record)
{
    if (record.file)
        return QString::fromUtf8(record.file) + u':' + QString::number(record.line);
    return record.module();
}

const QList<QColor> &LogModel::threadPalette()
{
    // Tableau's ten plus two: distinct hues of middle lightness, so that neither a light nor a dark base
    // swallows any of them.
    static const QList<QColor> palette {
        QColor(0x4e, 0x79, 0xa7), // blue
        QColor(0xf2, 0x8e, 0x2b), // orange
        QColor(0x59, 0xa1, 0x4f), // green
        QColor(0xe1, 0x57, 0x59), // red
        QColor(0xb0, 0x7a, 0xa1), // purple
        QColor(0x76, 0xb7, 0xb2), // teal
        QColor(0xed, 0xc9, 0x48), // yellow
        QColor(0x9c, 0x75, 0x5f), // brown
        QColor(0xff, 0x9d, 0xa7), // pink
        QColor(0x17, 0xbe, 0xcf), // cyan
        QColor(0xbc, 0xbd, 0x22), // olive
        QColor(0x7b, 0x66, 0xd2), // violet
    };
    return palette;
}

void LogModel::assignThreadColor(quint64 threadId)
{
    if (threadId == m_mainThreadId || m_threadColorIndex.contains(threadId))
        return;
    m_threadColorIndex.insert(threadId, m_nextColor);
    m_nextColor = (m_nextColor + 1) % int(threadPalette().size());
}

void LogModel::handleRecordsAdded()
{
    if (m_fetchTimer.isActive())
        return;
    const qint64 sinceFetch = m_sinceFetch.isValid() ? m_sinceFetch.elapsed() : qint64(FetchIntervalMs);
    if (sinceFetch >= FetchIntervalMs)
        fetchNew();
    else
        m_fetchTimer.start(int(FetchIntervalMs - sinceFetch));
}

void LogModel::fetchNew()
{
    m_fetchTimer.stop();
    m_sinceFetch.start();
    QList<heiko::LogRecord> fresh = m_hub.recordsSince(m_lastSequence);
    if (fresh.isEmpty())
        return;
    m_lastSequence = fresh.constLast().sequence;
    if (fresh.size() > m_maxRows)
        fresh.remove(0, fresh.size() - m_maxRows);
    // A handful of threads write a batch: remember the last one seen instead of hashing every record.
    quint64 lastThread = m_mainThreadId;
    for (const heiko::LogRecord &record : std::as_const(fresh)) {
        if (record.threadId != lastThread) {
            lastThread = record.threadId;
            assignThreadColor(lastThread);
        }
    }
    const qsizetype overflow = m_records.size() + fresh.size() - m_maxRows;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow - 1));
        m_records.remove(0, overflow);
        endRemoveRows();
    }
    const int first = int(m_records.size());
    beginInsertRows({}, first, first + int(fresh.size()) - 1);
    const int count = int(fresh.size());
    m_records.append(std::move(fresh));
    endInsertRows();
    Q_EMIT recordsAppended(count);
}
