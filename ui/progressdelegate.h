#pragma once

#include <QStyledItemDelegate>

class QStyleOptionProgressBar;

// Paints the Progress column as a progress bar from the model's raw fraction (DownloadTableModel::SortRole),
// with the style's own progress bar so it looks native everywhere. Only visible rows are painted, so the
// cost does not grow with the number of downloads.
//
// A file fetched over several connections (DownloadTableModel::SegmentsRole) gets a segmented bar instead:
// the bar's width is the whole file, every byte range that is written is filled, and a thin line marks
// where each piece starts, so that the pieces can be seen filling side by side. It is drawn in at most one
// rectangle per pixel column, however many pieces there are.
class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProgressDelegate)

public:
    explicit ProgressDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

private:
    // False when the index has no pieces to draw (the plain bar is drawn then).
    bool paintSegments(QPainter *painter, const QStyleOptionProgressBar &bar, const QModelIndex &index,
                       const QWidget *widget) const;
};
