#pragma once

#include "logrecord.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QTimer>

namespace heiko {
class LogHub;
}

// The live log as a table: the hub's backlog first, then new records as they arrive, capped at `maxRows` by
// dropping the oldest.
//
// Built for a steady 1,000 records a second under a view of 50,000 rows: each hub notification becomes at
// most one beginRemoveRows (the oldest rows that no longer fit) and one beginInsertRows (the new ones); no
// signal is ever sent per record, and nothing is computed per record beyond a hash lookup for its thread's
// colour. A batch has a fixed cost of about 3 ms under a full view (the proxy and the header remap
// their 50,000 rows, the view lays out and repaints) whatever its size, so notifications are taken at most
// every FetchIntervalMs: records trickling in one at a time then cost twenty batches a second, not a
// thousand (measured: 12% of the GUI thread instead of 98%). The hub sends nothing more until recordsSince()
// is called, so nothing queues up meanwhile. The hub's notification is taken through a queued connection even
// when the writer is the GUI thread itself, so that a record logged from inside a slot reacting to this
// model's own signals (a Qt warning routed through the hub, say) cannot re-enter the model half-way through
// an insertion.
//
// Each worker thread gets a colour of its own (a swatch in the Thread column and a light tint over the row),
// so that one can follow which worker took which file. Colours are handed out from a palette of twelve in
// the order threads first appear, not by hashing the id: four workers hashed into twelve colours share one
// 43% of the time, while first-come order keeps the first twelve threads apart. The assignment is stable for
// the life of the model (clear() keeps it). The thread that created the model (the GUI thread, where the
// download manager lives too) gets no colour.
class LogModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogModel)

public:
    enum Column { Time, Level, Process, Thread, Download, Source, Message, ColumnCount };
    enum Role {
        ThreadRole = Qt::UserRole + 1, // quint64, the OS thread id
        LevelRole, // int(heiko::LogLevel)
        DownloadRole, // int, -1 when the record is not about one download
    };

    static constexpr int FetchIntervalMs = 50; // at most twenty batches a second

    explicit LogModel(heiko::LogHub &hub, int maxRows = 50'000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const heiko::LogRecord &recordAt(int row) const { return m_records.at(row); }
    int maxRows() const { return m_maxRows; }
    // Empties the table. The hub keeps its own ring; records already fetched do not come back, new ones do.
    void clear();

    // The colour of a worker thread's rows, or an invalid QColor for the main thread and threads not seen
    // yet.
    QColor threadColor(quint64 threadId) const;
    // The thread whose records get no colour: the one that created the model.
    quint64 mainThreadId() const { return m_mainThreadId; }

    // The Source column's text: "file.cpp:123", or the module (a Qt category) when the file is unknown.
    static QString sourceText(const heiko::LogRecord &record);
    // The palette the thread colours come from: mid-tone hues readable as swatches and tints on light and
    // dark window palettes alike.
    static const QList<QColor> &threadPalette();

Q_SIGNALS:
    // A batch of `count` new records has been appended (after endInsertRows(), so views and proxies are up to
    // date): the one moment per hub notification to scroll a following view.
    void recordsAppended(int count);

private:
    void handleRecordsAdded();
    void fetchNew();
    void assignThreadColor(quint64 threadId);

    heiko::LogHub &m_hub;
    const int m_maxRows;
    QList<heiko::LogRecord> m_records; // oldest first; QList drops from the front without moving the rest
    qint64 m_lastSequence = 0;
    QTimer m_fetchTimer; // a fetch held back to keep FetchIntervalMs between batches
    QElapsedTimer m_sinceFetch;
    const quint64 m_mainThreadId;
    QHash<quint64, int> m_threadColorIndex; // thread id -> index into threadPalette()
    int m_nextColor = 0;
};
