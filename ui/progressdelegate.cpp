#include "progressdelegate.h"

#include "downloadinfo.h"
#include "downloadtablemodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

ProgressDelegate::ProgressDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // The selection background first, so that a selected row still reads as selected.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const double fraction = index.data(DownloadTableModel::SortRole).toDouble();
    const auto state = heiko::DownloadState(index.data(DownloadTableModel::StateRole).toInt());
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 3, -2, -3);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = qBound(0, int(fraction * 1000.0), 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    if (state == heiko::DownloadState::Failed || state == heiko::DownloadState::Cancelled)
        bar.palette.setColor(QPalette::Highlight, QColor(0xc0, 0x39, 0x2b));
    else if (state == heiko::DownloadState::Paused)
        bar.palette.setColor(QPalette::Highlight, QColor(0x9e, 0x9e, 0x9e));
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}
