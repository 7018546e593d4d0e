#pragma once

#include "logrecord.h"

#include <QAbstractTableModel>
#include <QList>

namespace heiko {
class LogHub;
}

// The live log as a table: the hub's backlog first, then new records as they arrive (one coalesced batch
// per hub notification), capped at `maxRows` by dropping the oldest.
class LogModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LogModel)

public:
    enum Column { Time, Level, Process, Thread, Download, Where, Message, ColumnCount };
    enum Role { ThreadRole = Qt::UserRole + 1, LevelRole, DownloadRole };

    explicit LogModel(heiko::LogHub &hub, int maxRows = 50'000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const heiko::LogRecord &recordAt(int row) const { return m_records.at(row); }
    void clear();

private:
    void fetchNew();

    heiko::LogHub &m_hub;
    const int m_maxRows;
    QList<heiko::LogRecord> m_records;
    qint64 m_lastSequence = 0;
};
